import { createWorkspaceRequest } from '@hangar/protocol';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { checkBody, serverBodyErrors } from './validation';

describe('checkBody', () => {
  it('keys each problem by its dotted path, as a sentence', () => {
    const errors = checkBody(createWorkspaceRequest, {
      name: 'Bad Name!',
      source: { type: 'git', url: 'not a url' },
    });
    expect(errors.name).toMatch(/^A workspace name may use lowercase letters/);
    expect(errors['source.url']).toMatch(/^Must be a git URL/);
  });

  it('is empty for a valid body', () => {
    expect(checkBody(createWorkspaceRequest, { name: 'ok', source: { type: 'empty' } })).toEqual({});
  });
});

describe('serverBodyErrors', () => {
  const failed = (details: unknown) =>
    new ApiError(400, 'validation_failed', 'The request is not valid.', undefined, details);

  it('reads validation_failed details of the body, first message per path', () => {
    const errors = serverBodyErrors(
      failed([
        { where: 'body', path: 'source.path', message: 'is outside the allowed roots' },
        { where: 'body', path: 'source.path', message: 'second' },
        { where: 'querystring', path: 'q', message: 'too long' },
        { path: 'name', message: 'is taken' },
      ]),
    );
    expect(errors).toEqual({ 'source.path': 'Is outside the allowed roots', name: 'Is taken' });
  });

  it('is empty for errors that name no field', () => {
    expect(serverBodyErrors(failed(undefined))).toEqual({});
    expect(serverBodyErrors(failed([{ nonsense: true }, 'text']))).toEqual({});
    expect(serverBodyErrors(new Error('boom'))).toEqual({});
  });
});

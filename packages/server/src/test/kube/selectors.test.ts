import { describe, expect, it } from 'vitest';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { KubeError } from './status.js';

const labels = { app: 'web', tier: 'front', 'example.com/team': 'a' };

describe('label selectors', () => {
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['app in (web, db)', true],
    ['app in (db)', false],
    ['app notin (db)', true],
    ['missing notin (db)', true],
    ['tier notin (front)', false],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['example.com/team=a,app in (web),!missing', true],
    ['app=web,tier=back', false],
  ])('%j matches: %s', (selector, expected) => {
    expect(parseLabelSelector(selector)(labels)).toBe(expected);
  });

  it.each(['app=', 'app in web', '=web', 'app=(web)', 'bad key=1', 'app=a b'])(
    '%j is a 400 BadRequest',
    (selector) => {
      let error: unknown;
      try {
        parseLabelSelector(selector);
      } catch (e) {
        error = e;
      }
      // `app=` (empty value) is valid in Kubernetes: only the others fail.
      if (selector === 'app=') expect(error).toBeUndefined();
      else {
        expect(error).toBeInstanceOf(KubeError);
        expect((error as KubeError).status).toMatchObject({ code: 400, reason: 'BadRequest' });
      }
    },
  );
});

describe('field selectors', () => {
  const fields = { 'metadata.name': (o: unknown) => (o as { name: string }).name };
  it('matches =, == and != on the fields a resource supports', () => {
    expect(parseFieldSelector('metadata.name=a', fields)({ name: 'a' })).toBe(true);
    expect(parseFieldSelector('metadata.name==a', fields)({ name: 'b' })).toBe(false);
    expect(parseFieldSelector('metadata.name!=a', fields)({ name: 'b' })).toBe(true);
  });

  it('refuses other fields with the API server message', () => {
    expect(() => parseFieldSelector('spec.foo=a', fields)).toThrow('field label not supported: spec.foo');
  });
});

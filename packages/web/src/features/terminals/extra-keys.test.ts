import { describe, expect, it } from 'vitest';
import { keySequence, withCtrl } from './extra-keys';

describe('extra-keys bar bytes', () => {
  it('sends Esc and Tab as themselves', () => {
    expect(keySequence('Escape', { ctrl: false, applicationCursor: false })).toBe('\x1b');
    expect(keySequence('Tab', { ctrl: false, applicationCursor: true })).toBe('\t');
  });

  it('sends arrows in normal and application cursor mode, and with Ctrl', () => {
    expect(keySequence('ArrowUp', { ctrl: false, applicationCursor: false })).toBe('\x1b[A');
    expect(keySequence('ArrowLeft', { ctrl: false, applicationCursor: false })).toBe('\x1b[D');
    expect(keySequence('ArrowDown', { ctrl: false, applicationCursor: true })).toBe('\x1bOB');
    expect(keySequence('ArrowRight', { ctrl: true, applicationCursor: false })).toBe('\x1b[1;5C');
  });

  it('turns the first typed character into its control code', () => {
    expect(withCtrl('c')).toBe('\x03');
    expect(withCtrl('C')).toBe('\x03');
    expect(withCtrl('d')).toBe('\x04');
    expect(withCtrl('[')).toBe('\x1b');
    expect(withCtrl('\\')).toBe('\x1c');
    expect(withCtrl('?')).toBe('\x7f');
    expect(withCtrl(' ')).toBe('\x00');
    expect(withCtrl('lx')).toBe('\x0cx');
  });

  it('passes characters with no control code unchanged', () => {
    expect(withCtrl('1')).toBe('1');
    expect(withCtrl('é')).toBe('é');
    expect(withCtrl('')).toBe('');
  });
});

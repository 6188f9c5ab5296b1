import { ApiError } from '../api/client';

/** The part of a zod schema needed to check a form value, so forms reuse the protocol's rules. */
export interface Checker {
  safeParse(value: unknown): {
    success: boolean;
    error?: { issues: ReadonlyArray<{ message: string; path?: ReadonlyArray<PropertyKey> }> };
  };
}

function sentence(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}

/** The first problem with `value`, phrased as a sentence, or undefined when it is valid. */
export function check(schema: Checker, value: unknown): string | undefined {
  const result = schema.safeParse(value);
  if (result.success) return undefined;
  return sentence(result.error?.issues[0]?.message ?? 'This value is not valid.');
}

/** Problems keyed by dotted path in the request body ("name", "source.url"); the first per path wins. */
export type PathErrors = Partial<Record<string, string>>;

function addPathError(errors: PathErrors, path: string, message: string): void {
  errors[path] ??= sentence(message);
}

/** Every problem `schema` finds in a request body, by path. */
export function checkBody(schema: Checker, body: unknown): PathErrors {
  const errors: PathErrors = {};
  const result = schema.safeParse(body);
  if (result.success) return errors;
  for (const issue of result.error?.issues ?? []) {
    addPathError(errors, (issue.path ?? []).map(String).join('.'), issue.message);
  }
  return errors;
}

/**
 * The problems the server found in a request body, by path, from an error's
 * details (`[{ where, path, message }]`, as validation_failed sends them).
 * Empty when the error names no field, so the caller shows it as a whole.
 */
export function serverBodyErrors(error: unknown): PathErrors {
  const errors: PathErrors = {};
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return errors;
  for (const detail of error.details as unknown[]) {
    if (typeof detail !== 'object' || detail === null) continue;
    const { where, path, message } = detail as Record<string, unknown>;
    if (where !== undefined && where !== 'body') continue;
    if (typeof path !== 'string' || typeof message !== 'string') continue;
    addPathError(errors, path, message);
  }
  return errors;
}

export type FieldErrors<K extends string> = Partial<Record<K, string>>;

export function hasErrors<K extends string>(errors: FieldErrors<K>): boolean {
  return Object.values(errors).some(Boolean);
}

/** Move focus to the first invalid control so its error is read out. */
export function focusFirstInvalid(form: HTMLFormElement): void {
  // Runs after React has rendered aria-invalid on the controls.
  requestAnimationFrame(() => form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
}

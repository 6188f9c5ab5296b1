/** The part of a zod schema needed to check one form value, so forms reuse the protocol's rules. */
export interface Checker {
  safeParse(value: unknown): { success: boolean; error?: { issues: ReadonlyArray<{ message: string }> } };
}

/** The first problem with `value`, phrased as a sentence, or undefined when it is valid. */
export function check(schema: Checker, value: unknown): string | undefined {
  const result = schema.safeParse(value);
  if (result.success) return undefined;
  const message = result.error?.issues[0]?.message ?? 'This value is not valid.';
  return message.charAt(0).toUpperCase() + message.slice(1);
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

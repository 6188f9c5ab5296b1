/** "Terminal N" for the smallest N no open terminal is called. */
export function nextTerminalName(names: readonly string[]): string {
  const taken = new Set(names);
  let n = 1;
  while (taken.has(`Terminal ${n}`)) n += 1;
  return `Terminal ${n}`;
}

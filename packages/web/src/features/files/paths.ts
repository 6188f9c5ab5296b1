/** Paths as the files API uses them: relative, `/` between names, `''` for the workspace folder. */

export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function joinPath(directory: string, name: string): string {
  const clean = name.replace(/^\/+|\/+$/g, '');
  return directory ? `${directory}/${clean}` : clean;
}

/** Every directory above `path`, outermost first: `a/b/c.ts` → `['a', 'a/b']`. */
export function ancestorsOf(path: string): string[] {
  const names = path.split('/').slice(0, -1);
  return names.map((_, index) => names.slice(0, index + 1).join('/'));
}

/**
 * The module URL workers import a partition function from. Workers import built JavaScript: when this package
 * runs from its TypeScript sources (tests), the URL points at the same file under dist/.
 */
export function kernelModule(relative: string, base: string): string {
  const url = new URL(relative, base);
  const at = url.pathname.lastIndexOf('/src/');
  if (base.endsWith('.ts') && at >= 0) url.pathname = `${url.pathname.slice(0, at)}/dist/${url.pathname.slice(at + 5)}`;
  return url.href;
}

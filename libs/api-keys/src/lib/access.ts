/** What a request needs: a read goes without a key unless the daemon says reads need one; a write needs one. */
export type Access = 'read' | 'write';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Anything but GET/HEAD/OPTIONS is a write, whatever it is annotated with (fail closed). */
export function accessOf(method: string, declared: Access | undefined): Access {
  if (!SAFE_METHODS.has(method.toUpperCase())) return 'write';
  return declared ?? 'read';
}

/**
 * The partition of a server: FNV-1a (32-bit) of its name's UTF-8 bytes, modulo the partition count.
 * Stable across processes, restarts and languages, so every replica routes a server the same way.
 */
export function partitionOf(server: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(server, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

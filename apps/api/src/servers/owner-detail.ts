/**
 * Cluster mode's part in GET /servers/{name}: a server another replica owns is answered by that owner,
 * and this replica answers the others with `answerDetailsWith`'s function. A port the servers module
 * owns and cluster mode provides, so servers does not import the cluster.
 */
export interface OwnerDetail {
  /** The owner's detail body; null when the owner knows no such server. */
  detailFromOwner(server: string): Promise<Buffer | null>;
  answerDetailsWith(detail: (server: string) => Buffer | null): void;
}

export const OWNER_DETAIL = Symbol('OWNER_DETAIL');

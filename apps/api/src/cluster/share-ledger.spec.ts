import { describe, expect, it } from 'vitest';
import { ShareLedger } from './share-ledger';

describe('ShareLedger', () => {
  it('lets a publish go only once its send and every send before it have ended', () => {
    const ledger = new ShareLedger<string>();
    ledger.begin(1);
    ledger.begin(2);
    expect(ledger.sharedThrough(2)).toBe(0);
    ledger.end(2, [['ppweb0001', 'f2', true]]);
    expect(ledger.sharedThrough(2)).toBe(0); // the send of publish 1 is still under way
    ledger.end(1, [['ppweb0001', 'f1', true]]);
    expect(ledger.sharedThrough(2)).toBe(2);
    // two sends of one publish (a publish that paged nothing keeps the token): both must end
    ledger.begin(3);
    ledger.begin(3);
    ledger.end(3, []);
    expect(ledger.sharedThrough(3)).toBe(2);
    ledger.end(3, []);
    expect(ledger.sharedThrough(3)).toBe(3);
  });

  it('holds a failed server until a later send stores it, and hands the newest entry to send again', () => {
    const ledger = new ShareLedger<string>();
    ledger.begin(1);
    ledger.end(1, [
      ['ppweb0001', 'f1', false],
      ['ppweb0002', 'g1', true],
    ]);
    expect(ledger.sharedThrough(5)).toBe(0);
    expect([...ledger.pending()]).toEqual([['ppweb0001', 'f1']]);
    // a newer forecast of it is on its way: a retry carries that one
    ledger.supersede('ppweb0001', 2, 'f2');
    ledger.supersede('ppweb0002', 2, 'g2'); // shared already: nothing to carry
    expect([...ledger.pending()]).toEqual([['ppweb0001', 'f2']]);
    // an older send's outcome arriving late neither clears it nor brings back the older entry
    ledger.begin(3);
    ledger.end(3, [['ppweb0001', 'f3', false]]);
    expect([...ledger.pending()]).toEqual([['ppweb0001', 'f3']]);
    expect(ledger.sharedThrough(5)).toBe(0); // still missing since publish 1
    ledger.begin(4);
    ledger.end(4, [['ppweb0001', 'f3', true]]);
    expect([...ledger.pending()]).toEqual([]);
    expect(ledger.sharedThrough(5)).toBe(5);
  });

  it('a store by a send older than the failure does not count, and a forgotten server no longer holds anything', () => {
    const ledger = new ShareLedger<string>();
    ledger.begin(1);
    ledger.begin(2);
    ledger.end(2, [['ppweb0001', 'f2', false]]);
    ledger.end(1, [['ppweb0001', 'f1', true]]);
    expect(ledger.sharedThrough(2)).toBe(1);
    ledger.forget('ppweb0001');
    expect(ledger.sharedThrough(2)).toBe(2);
  });
});

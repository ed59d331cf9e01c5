// What the refresh policy reads from the browser, behind tokens so specs substitute them.
import { DOCUMENT, inject, InjectionToken, signal, type Signal } from '@angular/core';

/** False while the tab is hidden: live views stop fetching and close their event stream. */
export const PAGE_VISIBLE = new InjectionToken<Signal<boolean>>('PAGE_VISIBLE', {
  providedIn: 'root',
  factory: () => {
    const doc = inject(DOCUMENT);
    const visible = signal(doc.visibilityState !== 'hidden');
    doc.addEventListener('visibilitychange', () => visible.set(doc.visibilityState !== 'hidden'));
    return visible.asReadonly();
  },
});

/**
 * Bytes the browser last moved for a URL's path (its resource timing `transferSize`: the compressed
 * body plus headers, a few hundred bytes for a 304), or null when not known. Lets a refresh keep to a
 * byte budget whether or not the api compressed the body.
 */
export const TRANSFER_SIZES = new InjectionToken<(url: string) => number | null>('TRANSFER_SIZES', {
  providedIn: 'root',
  factory: () => {
    const base = inject(DOCUMENT).baseURI;
    const last = new Map<string, number>();
    if (typeof PerformanceObserver === 'undefined' || !PerformanceObserver.supportedEntryTypes.includes('resource')) return () => null;
    // An observer sees every entry, also once the performance timeline's own buffer is full.
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as PerformanceResourceTiming[]) {
        last.set(new URL(entry.name).pathname, entry.transferSize);
      }
    }).observe({ type: 'resource' });
    return (url) => last.get(new URL(url, base).pathname) ?? null;
  },
});

/** What a receiver answered: its status and the start of its body (Alertmanager explains a 400 there). */
export interface TransportResponse {
  status: number;
  body: string;
}

/** HTTP POST, injected by token so that delivery can be tested without a network. */
export interface AlertTransport {
  post(url: string, body: string, headers: Readonly<Record<string, string>>, signal: AbortSignal): Promise<TransportResponse>;
}

export const ALERT_TRANSPORT = Symbol('ALERT_TRANSPORT');

const RESPONSE_BODY_KEPT = 200;

export const fetchTransport: AlertTransport = {
  async post(url, body, headers, signal) {
    const res = await fetch(url, { method: 'POST', body, headers, signal });
    // reading the body frees the connection for the next send
    const text = await res.text();
    return { status: res.status, body: text.slice(0, RESPONSE_BODY_KEPT) };
  },
};

/** A configured receiver URL split for use: fetch refuses credentials in URLs, and logs and labels must not show them. */
export interface DeliveryTarget {
  /** The URL without credentials, to send to. */
  url: string;
  /** The URL with its password masked, for logs and metric labels. */
  display: string;
  /** Basic authorization from the URL's credentials, if it had any. */
  authorization: string | undefined;
}

export function deliveryTarget(configured: string): DeliveryTarget {
  const url = new URL(configured);
  if (url.username === '' && url.password === '') return { url: configured, display: configured, authorization: undefined };
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  const masked = new URL(url);
  if (masked.password !== '') masked.password = '***';
  url.username = '';
  url.password = '';
  return {
    url: withoutTrailingSlash(url.href),
    display: withoutTrailingSlash(masked.href),
    authorization: `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`,
  };
}

/** URL's href adds a slash after a bare origin; the configured form (parseHttpUrls) has none. */
function withoutTrailingSlash(href: string): string {
  return href.replace(/\/+$/, '');
}

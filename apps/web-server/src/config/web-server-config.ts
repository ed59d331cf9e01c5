import { cleanEnv, makeValidator, str } from 'envalid';
import { LOOPBACK_HOST, parseApiKeys } from '@tft/api-keys';
import { ConfigError, configErrorReporter, givenVariables, integerIn, ownMessage } from '@tft/contracts';

/** Everything the console server can be told, validated once at startup. */
export interface WebServerConfig {
  port: number;
  /** Interface to listen on: WEB_HOST, else loopback whether or not a key is set. */
  host: string;
  /** For createWebServer; `root` undefined = the console built next to this app in dist/apps. */
  options: {
    root: string | undefined;
    apiUrl: string;
    generatorUrl: string;
    /** API_KEY, else the first of API_KEYS. */
    apiKey: string | undefined;
    proxyTimeoutMs: number;
  };
}

/** The one config error of every daemon (@tft/contracts), re-exported for main.ts. */
export { ConfigError };

const int = (min: number, max: number) => makeValidator(integerIn(min, max));
/** Rules whose messages name their variables themselves: @tft/api-keys'. */
const named = <T>(parse: (raw: string) => T) => makeValidator<T>(ownMessage(parse));
const trimmed = makeValidator((raw) => raw.trim());
const httpUrl = makeValidator((raw) => {
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    /* reported below */
  }
  // `localhost:8001` parses too, as a URL of scheme "localhost:".
  if (!url || !/^https?:$/.test(url.protocol)) {
    throw new Error(`must be an http(s) URL such as http://127.0.0.1:8000 (got "${raw}")`);
  }
  return raw;
});

/**
 * Every variable the console server reads, its rule and its default (documented in .env.example,
 * which web-server-config.spec.ts checks). Empty means unset. The keys follow the rules the api and
 * the generator apply to the same variables, so one environment configures all three.
 */
export const WEB_ENV = {
  WEB_PORT: int(0, 65535)({ default: 8501 }),
  // Loopback unless told otherwise, with or without a key: this server adds the key to the reads
  // and scenario writes it proxies, so whoever can reach it can read and switch scenarios.
  WEB_HOST: trimmed({ default: LOOPBACK_HOST }),
  WEB_ROOT: str({ default: undefined }),
  API_URL: httpUrl({ default: 'http://127.0.0.1:8000' }),
  GENERATOR_URL: httpUrl({ default: 'http://127.0.0.1:8001' }),
  API_KEY: named((raw) => parseApiKeys(raw, undefined))({ default: [] }),
  API_KEYS: named((raw) => parseApiKeys(undefined, raw))({ default: [] }),
  PROXY_TIMEOUT_MS: int(1, 3_600_000)({ default: 15000 }),
};

/** The validated settings; throws one ConfigError naming every bad variable. */
export function loadWebConfig(env: Record<string, string | undefined>): WebServerConfig {
  const e = cleanEnv(givenVariables(env), WEB_ENV, { reporter: configErrorReporter() });
  return {
    port: e.WEB_PORT,
    host: e.WEB_HOST,
    options: {
      root: e.WEB_ROOT,
      apiUrl: e.API_URL,
      generatorUrl: e.GENERATOR_URL,
      apiKey: [...e.API_KEY, ...e.API_KEYS][0],
      proxyTimeoutMs: e.PROXY_TIMEOUT_MS,
    },
  };
}

/** Server profiles with the original's server-name prefixes. */
export const PROFILES = ['ml_compute', 'database', 'web_api', 'conductor_mgmt', 'data_ingest', 'risk_analytics', 'generic'] as const;
export type Profile = (typeof PROFILES)[number];

export const PROFILE_PREFIXES: Readonly<Record<Profile, string>> = {
  ml_compute: 'ppml',
  database: 'ppdb',
  web_api: 'ppweb',
  conductor_mgmt: 'ppcon',
  data_ingest: 'ppetl',
  risk_analytics: 'pprisk',
  generic: 'ppgen',
};

/** Longest prefix first, so `ppgen0001` never matches a shorter prefix by accident. */
const PREFIX_LOOKUP = Object.entries(PROFILE_PREFIXES)
  .map(([profile, prefix]) => ({ profile: profile as Profile, prefix }))
  .sort((a, b) => b.prefix.length - a.prefix.length);

/** Infers a profile from a server name's prefix; `undefined` when no known prefix matches. */
export function profileFromServerName(serverName: string): Profile | undefined {
  return PREFIX_LOOKUP.find(({ prefix }) => serverName.startsWith(prefix))?.profile;
}

/** Server states of the generator's state machine, also accepted as the optional `status` field. */
export const SERVER_STATES = [
  'idle',
  'healthy',
  'morning_spike',
  'heavy_load',
  'critical_issue',
  'maintenance',
  'recovery',
  'offline',
] as const;
export type ServerState = (typeof SERVER_STATES)[number];

/** Every `status` value the contract accepts: the states plus the seed's coarse labels. */
export const STATUSES = [...SERVER_STATES, 'degrading', 'critical'] as const;
export type Status = (typeof STATUSES)[number];

import type { Traits } from '../protocol/types';
import type { SafeStore } from './store';

export const ANON_KEY = 'tp:v1:anon';
const USER_KEY = 'tp:v1:user';

/** Who the events are about: the device's anonymous id, and the user with their traits once known. */
export interface Identity {
  /** Reads what earlier pages stored; a device seen for the first time gets a new anonymous id. */
  load(): Promise<void>;
  anonymousId(): string | undefined;
  userId(): string | undefined;
  /** Another user than the current one starts with no traits; the traits given are added. */
  identify(userId: string | undefined, traits: Traits): void;
  alias(userId: string): void;
  /** Forgets the user and starts a new anonymous id (a log-out on a shared device). */
  reset(): void;
}

export function createIdentity(store: SafeStore, uuid: () => string): Identity {
  let anonymousId: string | undefined;
  let userId: string | undefined;
  let traits: Traits = {};
  const saveUser = () => store.set(USER_KEY, { userId, traits });
  const newAnonymousId = () => store.set(ANON_KEY, (anonymousId = uuid()));
  return {
    async load() {
      const [anon, user] = await Promise.all([store.get<string>(ANON_KEY), store.get<{ userId?: string; traits?: Traits }>(USER_KEY)]);
      if (typeof anon === 'string' && anon) anonymousId = anon;
      else newAnonymousId();
      userId = typeof user?.userId === 'string' ? user.userId : undefined;
      traits = user?.traits && typeof user.traits === 'object' ? user.traits : {};
    },
    anonymousId: () => anonymousId,
    userId: () => userId,
    identify(id, added) {
      if (id !== undefined && id !== userId) traits = {};
      userId = id ?? userId;
      traits = { ...traits, ...added };
      saveUser();
    },
    alias(id) {
      userId = id;
      saveUser();
    },
    reset() {
      userId = undefined;
      traits = {};
      newAnonymousId();
      saveUser();
    },
  };
}

/** Limits on what the store accepts, shared by validation and the schema's CHECKs. */

/** Longest persona text, in characters (code points). */
export const PERSONA_MAX_LENGTH = 1500;
/** Longest voice name stored; real names are short, this only stops junk. */
export const VOICE_MAX_LENGTH = 64;
/** Longest per-user cooldown a server may set: one day. */
export const COOLDOWN_MAX_SECONDS = 86_400;

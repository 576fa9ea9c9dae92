/**
 * The models the fake serves, described as the real service behaves (from the Qwen-Omni API document).
 * Kept here on purpose rather than imported from the bot's catalogue: the fake plays the service, so a
 * mistake in the bot's catalogue must not be copied into the thing that checks it.
 */

/** One model as the service treats it. */
export interface FakeModel {
  readonly id: string;
  /** Accepted `audio.voice` values (exact spelling). */
  readonly voices: readonly string[];
  /** Whether `enable_thinking: true` is accepted. */
  readonly canThink: boolean;
  /** qwen-omni-turbo refuses a system message when audio output is requested. */
  readonly systemWithAudio: boolean;
  /** Where reply text goes when audio output is on: flash uses `delta.content`, older models the transcript. */
  readonly textWithAudio: 'content' | 'transcript';
  readonly audioTokensPerSecond: number;
  /** One image token covers a square of this many pixels per side. */
  readonly imagePatchPx: number;
  readonly videoMinFrames: number;
  readonly videoMaxFrames: number;
  readonly audioMaxSeconds: number;
  readonly videoMaxSeconds: number;
}

/** Reply audio: raw PCM16 LE mono at this rate. */
export const OUTPUT_SAMPLE_RATE = 24_000;
export const IMAGE_MIN_TOKENS = 4;
export const IMAGE_MAX_TOKENS = 1280;
/** Frames sampled per second of a video file. */
export const VIDEO_FRAMES_PER_SECOND = 2;
/** Largest decoded payload of one `data:` URL item. */
export const DATA_URL_MAX_BYTES = 10 * 1024 * 1024;
/** Images must be larger than this on each side. */
export const IMAGE_MIN_SIDE_PX = 10;
export const IMAGE_MAX_ASPECT_RATIO = 200;

const FLASH_VOICES = [
  'Cherry',
  'Ethan',
  'Nofish',
  'Jennifer',
  'Ryan',
  'Katerina',
  'Elias',
  'Jada',
  'Dylan',
  'Sunny',
  'Li',
  'Marcus',
  'Roy',
  'Peter',
  'Rocky',
  'Kiki',
  'Eric',
] as const;

function flash(id: string): FakeModel {
  return {
    id,
    voices: FLASH_VOICES,
    canThink: true,
    systemWithAudio: true,
    textWithAudio: 'content',
    audioTokensPerSecond: 12.5,
    imagePatchPx: 32,
    videoMinFrames: 2,
    videoMaxFrames: 128,
    audioMaxSeconds: 20 * 60,
    videoMaxSeconds: 150,
  };
}

const OLDER_MODEL_RATES = {
  canThink: false,
  textWithAudio: 'transcript',
  audioTokensPerSecond: 25,
  imagePatchPx: 28,
  videoMinFrames: 4,
  videoMaxFrames: 80,
  audioMaxSeconds: 3 * 60,
  videoMaxSeconds: 40,
} as const;

const MODELS: ReadonlyMap<string, FakeModel> = new Map([
  ['qwen3-omni-flash', flash('qwen3-omni-flash')],
  ['qwen3-omni-flash-2025-09-15', flash('qwen3-omni-flash-2025-09-15')],
  ['qwen-omni-turbo', { id: 'qwen-omni-turbo', voices: ['Cherry', 'Serena', 'Ethan', 'Chelsie'], systemWithAudio: false, ...OLDER_MODEL_RATES }],
  // The document only states the system-message restriction for turbo, so the open model accepts it.
  ['qwen2.5-omni-7b', { id: 'qwen2.5-omni-7b', voices: ['Ethan', 'Chelsie'], systemWithAudio: true, ...OLDER_MODEL_RATES }],
]);

/** The model with this id, or undefined when the service does not know it. */
export function findFakeModel(id: string): FakeModel | undefined {
  return MODELS.get(id);
}

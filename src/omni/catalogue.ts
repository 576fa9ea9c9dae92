/**
 * What each Qwen-Omni model accepts and offers: voices, limits, token rates. Data, not code, so adding
 * a model is one entry. Figures are from the Qwen-Omni API document (see README, "Models").
 */
import { MB } from '../units.ts';

/** A voice the model can speak in; `name` is the API value, `label` what people see. */
export interface Voice {
  readonly name: string;
  readonly label: string;
  readonly description: string;
  /** A Chinese dialect the voice speaks, when it has one. */
  readonly dialect?: string;
  readonly languages: readonly string[];
}

/** Per-model media limits; sizes in bytes, durations in seconds. */
export interface MediaLimits {
  readonly imageMaxBytes: number;
  /** Each side must be strictly greater than this. */
  readonly imageMinSidePx: number;
  readonly imageMaxAspectRatio: number;
  readonly audioMaxBytes: number;
  readonly audioMaxSeconds: number;
  readonly videoMaxBytes: number;
  readonly videoMaxSeconds: number;
  readonly videoMinFrames: number;
  readonly videoMaxFrames: number;
  /** One base64 data-URL item may not exceed this, whatever the modality. */
  readonly dataUrlMaxBytes: number;
}

/** Token accounting rates, used to budget history before sending. */
export interface TokenRates {
  readonly audioTokensPerSecond: number;
  /** One image token covers a square of this many pixels per side. */
  readonly imagePatchPx: number;
  readonly imageMinTokens: number;
  readonly imageMaxTokens: number;
  readonly videoFramesPerSecond: number;
}

export interface TokenLimits {
  readonly contextWindow: number;
  readonly maxInput: number;
  readonly maxOutput: number;
}

export interface OmniModel {
  readonly id: string;
  readonly family: 'qwen3-omni-flash' | 'qwen-omni-turbo' | 'qwen2.5-omni';
  readonly voices: readonly Voice[];
  readonly defaultVoice: string;
  /** Whether `enable_thinking` is accepted (then text output only). */
  readonly canThink: boolean;
  /** Whether a system message may be combined with audio output. */
  readonly systemWithAudio: boolean;
  readonly limits: TokenLimits;
  readonly rates: TokenRates;
  readonly media: MediaLimits;
}

const FLASH_LANGUAGES = ['Chinese', 'English', 'French', 'German', 'Russian', 'Italian', 'Spanish', 'Portuguese', 'Japanese', 'Korean', 'Thai'] as const;

function flashVoice(name: string, description: string, dialect?: string): Voice {
  const languages = dialect ? [`Chinese (${dialect})`, ...FLASH_LANGUAGES.slice(1)] : [...FLASH_LANGUAGES];
  return { name, label: dialect ? `${name} (${dialect})` : name, description, languages, ...(dialect ? { dialect } : {}) };
}

function bilingualVoice(name: string, description: string): Voice {
  return { name, label: name, description, languages: ['Chinese', 'English'] };
}

const FLASH_VOICES: readonly Voice[] = [
  flashVoice('Cherry', "A cheerful, friendly, and natural young woman's voice."),
  flashVoice('Ethan', 'Standard Mandarin with a slight northern accent. A bright, warm, and energetic voice.'),
  flashVoice('Nofish', 'A designer who does not use retroflex consonants.'),
  flashVoice('Jennifer', 'A premium, cinematic American English female voice.'),
  flashVoice('Ryan', 'A rhythmic, dramatic voice with realism and tension.'),
  flashVoice('Katerina', 'A mature and rhythmic female voice.'),
  flashVoice('Elias', 'Explains complex topics with academic rigor and clear storytelling.'),
  flashVoice('Jada', 'A lively woman from Shanghai.', 'Shanghainese'),
  flashVoice('Dylan', 'A teenager who grew up in the hutongs of Beijing.', 'Beijing dialect'),
  flashVoice('Sunny', 'A sweet female voice from Sichuan.', 'Sichuanese'),
  flashVoice('Li', 'A patient yoga teacher.', 'Nanjing dialect'),
  flashVoice('Marcus', 'A sincere and deep voice from Shaanxi.', 'Shaanxi dialect'),
  flashVoice('Roy', 'A humorous and lively young male voice with a Minnan accent.', 'Min Nan'),
  flashVoice('Peter', 'A voice for the straight man in Tianjin crosstalk.', 'Tianjin dialect'),
  flashVoice('Rocky', 'A witty and humorous male voice for online chats.', 'Cantonese'),
  flashVoice('Kiki', 'A sweet best friend from Hong Kong.', 'Cantonese'),
  flashVoice('Eric', 'An unconventional and refined male voice from Chengdu, Sichuan.', 'Sichuanese'),
];

const TURBO_VOICES: readonly Voice[] = [
  bilingualVoice('Cherry', 'A sunny, friendly, and genuine young woman.'),
  bilingualVoice('Serena', 'Kind young woman.'),
  bilingualVoice('Ethan', 'Standard Mandarin with a slight northern accent. A bright, warm, and energetic voice.'),
  bilingualVoice('Chelsie', 'An anime-style virtual girlfriend voice.'),
];

const OPEN_SOURCE_VOICES: readonly Voice[] = [
  bilingualVoice('Ethan', 'Standard Mandarin with a slight northern accent. A bright, warm, and energetic voice.'),
  bilingualVoice('Chelsie', 'An anime-style virtual girlfriend voice.'),
];

const IMAGE_LIMITS = { imageMaxBytes: 10 * MB, imageMinSidePx: 10, imageMaxAspectRatio: 200, dataUrlMaxBytes: 10 * MB } as const;

const FLASH_MEDIA: MediaLimits = {
  ...IMAGE_LIMITS,
  audioMaxBytes: 100 * MB,
  audioMaxSeconds: 20 * 60,
  videoMaxBytes: 256 * MB,
  videoMaxSeconds: 150,
  videoMinFrames: 2,
  videoMaxFrames: 128,
};

const TURBO_MEDIA: MediaLimits = {
  ...IMAGE_LIMITS,
  audioMaxBytes: 10 * MB,
  audioMaxSeconds: 3 * 60,
  videoMaxBytes: 150 * MB,
  videoMaxSeconds: 40,
  videoMinFrames: 4,
  videoMaxFrames: 80,
};

const FLASH_RATES: TokenRates = {
  audioTokensPerSecond: 12.5,
  imagePatchPx: 32,
  imageMinTokens: 4,
  imageMaxTokens: 1280,
  videoFramesPerSecond: 2,
};
const TURBO_RATES: TokenRates = {
  audioTokensPerSecond: 25,
  imagePatchPx: 28,
  imageMinTokens: 4,
  imageMaxTokens: 1280,
  videoFramesPerSecond: 2,
};

function flashModel(id: string): OmniModel {
  return {
    id,
    family: 'qwen3-omni-flash',
    voices: FLASH_VOICES,
    defaultVoice: 'Cherry',
    canThink: true,
    systemWithAudio: true,
    limits: { contextWindow: 65_536, maxInput: 49_152, maxOutput: 16_384 },
    rates: FLASH_RATES,
    media: FLASH_MEDIA,
  };
}

/** Every model the bot knows, by API id. */
export const MODELS: Readonly<Record<string, OmniModel>> = {
  'qwen3-omni-flash': flashModel('qwen3-omni-flash'),
  'qwen3-omni-flash-2025-09-15': flashModel('qwen3-omni-flash-2025-09-15'),
  'qwen-omni-turbo': {
    id: 'qwen-omni-turbo',
    family: 'qwen-omni-turbo',
    voices: TURBO_VOICES,
    defaultVoice: 'Cherry',
    canThink: false,
    systemWithAudio: false,
    limits: { contextWindow: 32_768, maxInput: 30_720, maxOutput: 2_048 },
    rates: TURBO_RATES,
    media: TURBO_MEDIA,
  },
  'qwen2.5-omni-7b': {
    id: 'qwen2.5-omni-7b',
    family: 'qwen2.5-omni',
    voices: OPEN_SOURCE_VOICES,
    defaultVoice: 'Ethan',
    canThink: false,
    systemWithAudio: false,
    limits: { contextWindow: 32_768, maxInput: 30_720, maxOutput: 2_048 },
    rates: TURBO_RATES,
    media: TURBO_MEDIA,
  },
};

export const DEFAULT_MODEL_ID = 'qwen3-omni-flash';

/** The model with this id, or undefined when the bot does not know it. */
export function findModel(id: string): OmniModel | undefined {
  return Object.hasOwn(MODELS, id) ? MODELS[id] : undefined;
}

/** The voice of this model with this name (case-insensitive), or undefined. */
export function findVoice(model: OmniModel, name: string): Voice | undefined {
  const wanted = name.trim().toLowerCase();
  return model.voices.find((voice) => voice.name.toLowerCase() === wanted);
}

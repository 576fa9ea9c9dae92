/** Public types of the fake Qwen-Omni server: what tests script, and what it records. */

/** A deterministic sine, so tests can check the pitch and length of the audio they receive. */
export interface ToneSpec {
  readonly toneHz: number;
  readonly seconds: number;
  /** Peak level as a fraction of full scale; default 0.5. */
  readonly amplitude?: number;
}

/** A rejection in place of the stream, with the real service's status and error code. */
export type ScriptedFailure =
  | { readonly status: 429; readonly code: 'limit_requests' | 'insufficient_quota' | 'limit_burst_rate'; readonly retryAfterSeconds?: number }
  | { readonly status: 500 }
  | { readonly status: 400; readonly code: 'Arrearage' | 'data_inspection_failed' };

/** How the fake answers one request; everything is optional and falls back to the default reply. */
export interface ScriptedReply {
  /** Reply text, streamed in several chunks. */
  readonly text?: string;
  /** Reply audio (24 kHz mono PCM16), sent only when the request asks for audio output. */
  readonly audio?: Int16Array | ToneSpec;
  /** Thinking-mode text, sent as `delta.reasoning_content` before the answer. */
  readonly reasoning?: string;
  /** Delay before the response starts (headers included). */
  readonly firstByteDelayMs?: number;
  /** The response starts only once this settles: a gate the test opens, instead of a delay it hopes is enough. */
  readonly holdUntil?: Promise<unknown>;
  /** Fixed spacing between content chunks, replacing real-time audio pacing. */
  readonly chunkIntervalMs?: number;
  readonly fail?: ScriptedFailure;
  /** An error event inside the stream after this many chunks (the role chunk counts), then the stream ends. */
  readonly midStreamError?: { readonly afterChunks: number; readonly code: string; readonly message: string };
  /** Destroy the connection after this many chunks (the role chunk counts). */
  readonly dropAfterChunks?: number;
  /**
   * Go quiet after this many chunks (the role chunk counts; 0 = status and headers, then nothing) and hold
   * the connection open until the client gives up: a hung model.
   */
  readonly stallAfterChunks?: number;
  /** Send a data line that is not JSON after this many chunks (the role chunk counts), then end the stream. */
  readonly malformedAfterChunks?: number;
  readonly finishReason?: 'stop' | 'length';
}

/** One `input_audio` item, decoded. */
export interface RecordedAudio {
  readonly messageIndex: number;
  /** The remote URL when the item was not a data URL (then not fetched: no samples, 0 s). */
  readonly url?: string;
  readonly format: string | undefined;
  readonly sampleRate: number;
  readonly channels: number;
  /** Interleaved when there are several channels. */
  readonly samples: Int16Array;
  readonly seconds: number;
  /** Size of the WAV file as sent. */
  readonly bytes: number;
}

/** One image (an `image_url` item or a frame of an image-list video). */
export interface RecordedImage {
  readonly messageIndex: number;
  /** The remote URL when the item was not a data URL (then not fetched: 0x0, 0 bytes). */
  readonly url?: string;
  /** The type read from the bytes; undefined for a remote URL. */
  readonly mime: string | undefined;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
}

/** One video: a file (`video_url`) or an image list (`video`). */
export type RecordedVideo =
  | {
      readonly kind: 'file';
      readonly messageIndex: number;
      readonly url?: string;
      /** Declared type of the data URL. */
      readonly mime: string;
      readonly bytes: number;
      /** From the MP4 header; undefined when it could not be read. */
      readonly seconds: number | undefined;
      readonly width: number | undefined;
      readonly height: number | undefined;
      readonly hasAudio: boolean;
      /** Frames billed: 2 per second, within the model's frame limits. */
      readonly frames: number;
    }
  | { readonly kind: 'frames'; readonly messageIndex: number; readonly frames: number; readonly images: readonly RecordedImage[] };

/** A chat message as received (shape checked, content untouched). */
export interface RecordedMessage {
  readonly role: string;
  readonly content: unknown;
}

/** One request the fake received, parsed; fields the body did not carry are empty or undefined. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** Request headers, with `authorization` redacted. */
  readonly headers: Readonly<Record<string, string>>;
  /** The raw parsed JSON body; undefined when it was not JSON. */
  readonly body: unknown;
  readonly model: string | undefined;
  readonly messages: readonly RecordedMessage[];
  /** As requested; the service's default is `['text']`. */
  readonly modalities: readonly string[];
  readonly voice: string | undefined;
  readonly enableThinking: boolean;
  readonly includeUsage: boolean;
  readonly audioInputs: readonly RecordedAudio[];
  readonly images: readonly RecordedImage[];
  readonly videos: readonly RecordedVideo[];
  /** Text of every non-system message, string contents and text parts alike, in order. */
  readonly texts: readonly string[];
  /** Text of the system message(s), joined with newlines. */
  readonly systemText: string | undefined;
  /** HTTP status the fake answered with (200 for a stream). */
  readonly status: number;
  /** Error code when the fake rejected the request before streaming. */
  readonly errorCode: string | undefined;
  /**
   * Resolves once the exchange is over: true when the client closed the connection before the fake
   * finished its answer, false when the answer was complete or the fake itself ended it.
   */
  readonly aborted: Promise<boolean>;
  /** performance.now() when the first audio chunk was handed to the socket; undefined if none was sent. */
  readonly firstAudioAt: Promise<number | undefined>;
  /** performance.now() when the request's headers arrived, and when its whole body had been read. */
  readonly receivedAt: number;
  readonly bodyReceivedAt: number;
  /** performance.now() as each audio chunk was handed to the socket, in order (filled while streaming). */
  readonly audioChunksSentAt: readonly number[];
}

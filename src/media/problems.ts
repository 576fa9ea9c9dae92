/**
 * Why a posted file cannot be used, as reason codes the parsers throw, and the one place that turns a reason
 * into the sentence a person reads. Parsers never write user text: they state facts, this module speaks.
 */
import { InvalidInputError } from '../errors.ts';

/** A problem with a file's content, with the facts its sentence needs. */
export type MediaProblem =
  | { readonly reason: 'empty' }
  /** Nothing we recognise. */
  | { readonly reason: 'unknown_type' }
  /** A real type we know but cannot use: `label` says what it is ("a PDF document"), `claimed` what its name says. */
  | { readonly reason: 'not_media'; readonly label: string; readonly claimed?: string }
  | { readonly reason: 'unsupported_video'; readonly label: string }
  | { readonly reason: 'unsupported_audio'; readonly label: string }
  | { readonly reason: 'unsupported_image'; readonly format: string }
  | { readonly reason: 'animated' }
  | { readonly reason: 'truncated' }
  | { readonly reason: 'damaged'; readonly what: 'video' | 'audio' }
  | { readonly reason: 'unreadable_size' }
  | { readonly reason: 'too_many_pixels'; readonly width: number; readonly height: number }
  | { readonly reason: 'no_video_index' }
  | { readonly reason: 'unknown_duration' }
  | { readonly reason: 'no_sound' }
  | { readonly reason: 'surround' }
  | { readonly reason: 'rate_changes' }
  /** An audio encoding we cannot decode; `encoding` names it ("IMA ADPCM", "24-bit float"). */
  | { readonly reason: 'unsupported_encoding'; readonly encoding: string }
  /** Longer than the model takes; `atLeast` when decoding stopped at the limit rather than reading the whole file. */
  | { readonly reason: 'too_long'; readonly seconds: number; readonly maxSeconds: number; readonly atLeast?: boolean };

export type MediaReason = MediaProblem['reason'];

/** Thrown by the media parsers: a reason code and its facts, no sentence. */
export class MediaFormatError extends Error {
  readonly problem: MediaProblem;

  constructor(problem: MediaProblem, detail?: string) {
    super(detail ?? problem.reason);
    this.name = 'MediaFormatError';
    this.problem = problem;
  }

  get reason(): MediaReason {
    return this.problem.reason;
  }
}

/** A refusal of one named file: what a person reads, plus the reason for code that groups refusals. */
export class FileRefusal extends InvalidInputError {
  readonly fileName: string;
  readonly reason: MediaReason | 'limit' | 'download';

  constructor(fileName: string, reason: FileRefusal['reason'], userMessage: string) {
    super(userMessage);
    this.fileName = fileName;
    this.reason = reason;
  }
}

const ACCEPTS = 'I can look at images and videos and listen to audio files.';

/** "3 min 20 s", "45 s", "117 min". */
export function formatDuration(seconds: number): string {
  if (seconds < 180) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

/** The sentence for `problem`, naming the file by `name` (already made safe to echo). */
export function describeProblem(name: string, problem: MediaProblem): string {
  switch (problem.reason) {
    case 'empty':
      return `${name} is empty (0 bytes).`;
    case 'unknown_type':
      return `${name} is not a file type I know; ${ACCEPTS}`;
    case 'not_media':
      return problem.claimed ? `${name} is ${problem.label}, not ${problem.claimed}; ${ACCEPTS}` : `${name} is ${problem.label}; ${ACCEPTS}`;
    case 'unsupported_video':
      return `${name} is ${problem.label}; I can watch MP4, MOV and WebM videos.`;
    case 'unsupported_audio':
      return `${name} is ${problem.label}; I can play WAV, MP3 and Ogg Opus (Discord voice messages).`;
    case 'unsupported_image':
      return `${name} is ${problem.format.toUpperCase()}, which the model cannot read; please send PNG, JPEG, WebP or GIF.`;
    case 'animated':
      return `${name} is animated; I can only look at still images (post it as a video instead).`;
    case 'truncated':
      return `${name} is cut short or damaged (the upload may have failed); please send it again.`;
    case 'damaged':
      return problem.what === 'video' ? `${name} is damaged and cannot be read as a video.` : `${name} is damaged and cannot be played.`;
    case 'unreadable_size':
      return `${name} is damaged: I cannot read its size.`;
    case 'too_many_pixels':
      return `${name} is ${problem.width}x${problem.height} px, too large to look at; please send a smaller picture.`;
    case 'no_video_index':
      return `${name} has no index (moov box), so it is not a complete video.`;
    case 'unknown_duration':
      return `I cannot tell how long ${name} is; it may be damaged.`;
    case 'no_sound':
      return `${name} has no sound in it.`;
    case 'surround':
      return `${name} is surround-sound Opus, which I cannot play; please send mono or stereo.`;
    case 'rate_changes':
      return `${name} changes its sample rate part-way, which I cannot play.`;
    case 'unsupported_encoding':
      return `${name} uses ${problem.encoding}, which I cannot play; please send PCM WAV, MP3 or Ogg Opus.`;
    case 'too_long':
      return problem.atLeast
        ? `${name} is longer than ${formatDuration(problem.maxSeconds)}, the most audio I can take.`
        : `${name} is ${formatDuration(problem.seconds)} long; I can take at most ${formatDuration(problem.maxSeconds)} of audio.`;
  }
}

/** The refusal a person sees for `error` about file `name`. */
export function refusalFor(name: string, error: MediaFormatError): FileRefusal {
  return new FileRefusal(name, error.reason, describeProblem(name, error.problem));
}

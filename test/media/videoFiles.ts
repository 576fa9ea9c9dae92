/** Hand-made MP4 boxes for the video parser tests. */

/** One ISO box: 32-bit size, four-character type, payload. */
export function isoBox(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

/** A fragmented MP4's index: movie duration 0 in mvhd (so the parser looks for mvex/mehd), and an empty mehd. */
export function mp4WithEmptyMehd(): Buffer {
  const mvhd = Buffer.alloc(100);
  mvhd.writeUInt32BE(1000, 12); // timescale; duration (offset 16) stays 0
  const ftyp = isoBox('ftyp', Buffer.from('isom\0\0\x02\0isomiso6', 'latin1'));
  return Buffer.concat([ftyp, isoBox('moov', isoBox('mvhd', mvhd), isoBox('mvex', isoBox('mehd')))]);
}

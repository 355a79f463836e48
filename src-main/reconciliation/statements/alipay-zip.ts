import iconv from 'iconv-lite';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { MAX_STATEMENT_BYTES } from './bytes';
import { refuse, type Place } from './types';

/**
 * Alipay's statement download is a ZIP whose entry names are GBK without the UTF-8 flag (bit 11).
 * yauzl would decode such names as CP437, as the ZIP spec says, and 业务明细 would come out as
 * box-drawing characters; with `decodeStrings: false` it hands over the raw name bytes, which are
 * decoded here: UTF-8 when the flag says so, GB18030 (a superset of GBK) otherwise.
 */

const UTF8_NAME_FLAG = 0x800;
const DETAIL_SUFFIX = '业务明细.csv';
const SUMMARY_MARK = '(汇总)';

export interface AlipayZipEntry {
  entryName: string;
  bytes: Buffer;
  /** Every entry's decoded name, for messages. */
  names: string[];
}

function open(buf: Buffer, place: Place): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true }, (err, zip) => {
      if (!err) return resolve(zip);
      // A cut-off download loses the central directory, which a ZIP keeps at its very end.
      const cut = /end of central directory/i.test(err.message);
      const why = cut ? 'is not a complete ZIP archive: it is truncated; download it again' : `is a damaged ZIP archive (${err.message})`;
      reject(refuse(place, cut ? 'truncated' : 'bad_archive', why));
    });
  });
}

function listEntries(zip: ZipFile, place: Place): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    zip.on('entry', (entry: Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve(entries));
    zip.once('error', (err: Error) => reject(refuse(place, 'bad_archive', `the ZIP archive is damaged (${err.message})`)));
    zip.readEntry();
  });
}

export function decodeEntryName(entry: Entry): string {
  // With decodeStrings: false yauzl gives the name as a Buffer; its typings still say string.
  const raw: unknown = entry.fileName;
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw), 'utf8');
  return entry.generalPurposeBitFlag & UTF8_NAME_FLAG ? bytes.toString('utf8') : iconv.decode(bytes, 'gb18030');
}

function readEntry(zip: ZipFile, entry: Entry, place: Place): Promise<Buffer> {
  if (entry.uncompressedSize > MAX_STATEMENT_BYTES) {
    return Promise.reject(refuse(place, 'bad_archive', `the entry unpacks to ${entry.uncompressedSize} bytes, more than a statement can be`));
  }
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => reject(refuse(place, 'bad_archive', `the ZIP entry cannot be read (${err.message}): the archive is damaged`));
    zip.openReadStream(entry, (err, stream) => {
      if (err) return fail(err);
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.once('error', fail);
      stream.once('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}

/** The 业务明细 entry of an Alipay statement ZIP (not its 汇总 sibling). */
export async function readAlipayZip(buf: Buffer, file: string): Promise<AlipayZipEntry> {
  const zip = await open(buf, { file });
  const entries = await listEntries(zip, { file });
  const names = entries.map(decodeEntryName);
  const picked = entries.filter((_, i) => names[i].endsWith(DETAIL_SUFFIX) && !names[i].includes(SUMMARY_MARK));
  if (picked.length !== 1) {
    const why = picked.length === 0 ? `has no …${DETAIL_SUFFIX} entry` : `has ${picked.length} …${DETAIL_SUFFIX} entries`;
    throw refuse({ file }, 'unknown_format', `the ZIP ${why} (entries: ${names.join(', ') || 'none'})`, { entries: names });
  }
  const entryName = names[entries.indexOf(picked[0])];
  const bytes = await readEntry(zip, picked[0], { file: `${file}:${entryName}` });
  return { entryName, bytes, names };
}

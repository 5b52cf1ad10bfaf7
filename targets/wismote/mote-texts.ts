/**
 * The host's half of the firmware's texts as numbers (scripts/mote-texts.mjs has the build's
 * half): the firmware carries a code where its source has an error or log text, and the host
 * turns the codes back into the texts with the dictionary the build wrote beside the firmware
 * (mote-<suite>.texts.json), as defmt's host tools do with a microcontroller's log frames.
 *
 * A coded text is START code (END | ARG value (ARG value)* END), the code in base 36, each value
 * the text of one template expression, itself possibly holding coded texts. A code the
 * dictionary lacks, or a text cut short, is left as it came, so nothing the firmware says is
 * lost when the dictionary does not match.
 */

export const TEXT_START = '\u0001';
export const TEXT_ARG = '\u0002';
export const TEXT_END = '\u0003';

/** Per code (its index), a text's parts: one for a string, a template's parts around its values. */
export interface MoteTexts {
  readonly texts: readonly (readonly string[])[];
}

/** Whether `value` is a dictionary as the build writes it. */
export function isMoteTexts(value: unknown): value is MoteTexts {
  const texts = (value as { texts?: unknown } | null)?.texts;
  return (
    Array.isArray(texts) &&
    texts.every((t) => Array.isArray(t) && t.length > 0 && t.every((p) => typeof p === 'string'))
  );
}

/** `line` with every coded text it holds written out. */
export function decodeMoteText(line: string, dictionary: MoteTexts): string {
  if (!line.includes(TEXT_START)) return line;
  let out = '';
  let at = 0;
  while (at < line.length) {
    const start = line.indexOf(TEXT_START, at);
    if (start < 0) break;
    out += line.slice(at, start);
    const coded = decodeAt(line, start, dictionary);
    out += coded.text;
    at = coded.end;
  }
  return out + line.slice(at);
}

/** The coded text at `start` (a START) written out, and where it ends in `line`. */
function decodeAt(line: string, start: number, dictionary: MoteTexts): { text: string; end: number } {
  const verbatim = { text: TEXT_START, end: start + 1 };
  let at = start + 1;
  while (at < line.length && line[at] !== TEXT_ARG && line[at] !== TEXT_END) at++;
  const parts = dictionary.texts[Number.parseInt(line.slice(start + 1, at), 36)];
  if (!parts || at >= line.length || !/^[0-9a-z]+$/.test(line.slice(start + 1, at))) return verbatim;
  const values: string[] = [];
  while (line[at] === TEXT_ARG) {
    let value = '';
    at++;
    while (at < line.length && line[at] !== TEXT_ARG && line[at] !== TEXT_END) {
      if (line[at] === TEXT_START) {
        const nested = decodeAt(line, at, dictionary);
        value += nested.text;
        at = nested.end;
      } else value += line[at++];
    }
    values.push(value);
  }
  if (line[at] !== TEXT_END || values.length !== parts.length - 1) return verbatim;
  return { text: parts.map((p, i) => (i === 0 ? p : values[i - 1] + p)).join(''), end: at + 1 };
}

/**
 * Input as quoted in messages. A request may send megabytes (a 1 MB region name, 200,000 unknown keys), and
 * neither an error answer nor a log line should echo them back.
 */

/** The most characters of one input value a message quotes. */
export const MAX_SHOWN_CHARACTERS = 300;
/** The most entries of a list a message names. */
export const MAX_SHOWN_ENTRIES = 10;

/** `text`, cut to {@link MAX_SHOWN_CHARACTERS} with a count of what was left out. */
export function shown(text: string): string {
  return text.length > MAX_SHOWN_CHARACTERS
    ? `${text.slice(0, MAX_SHOWN_CHARACTERS)}… (${text.length - MAX_SHOWN_CHARACTERS} more characters)`
    : text;
}

/** The first {@link MAX_SHOWN_ENTRIES} entries, each {@link shown}, joined by commas, with a count of the rest. */
export function shownList(entries: readonly string[]): string {
  const listed = entries.slice(0, MAX_SHOWN_ENTRIES).map(shown).join(', ');
  return entries.length > MAX_SHOWN_ENTRIES
    ? `${listed} and ${entries.length - MAX_SHOWN_ENTRIES} more`
    : listed;
}

// How a device's fingerprint is shown: in groups a person can read aloud and compare.

/** The fingerprint in groups of four characters, four groups a line. */
export function fingerprintLines(fingerprint: string): string[] {
  const groups = fingerprint.toLowerCase().match(/.{1,4}/g) ?? [];
  const lines: string[] = [];
  for (let i = 0; i < groups.length; i += 4) lines.push(groups.slice(i, i + 4).join(" "));
  return lines;
}

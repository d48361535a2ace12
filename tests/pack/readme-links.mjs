// Link check for the README that ships in the tarball (tests/pack/run.mjs).
// A registry page or an unpacked package has only the tarball's files, so:
// relative targets must be files in it, `#anchor` targets must be headings of
// the README (GitHub / npm slugs), everything else must be an absolute URL.
// Fenced and inline code is skipped (its brackets are not links).

// GitHub's slug for a heading: lower case, punctuation dropped, spaces to '-'.
export function slug(heading) {
  return heading
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

export function readmeLinks(markdown) {
  const prose = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
  const headings = [];
  const seen = new Map();
  for (const m of prose.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) || 0;
    seen.set(base, n + 1);
    headings.push(n ? `${base}-${n}` : base);
  }
  const targets = [
    ...[...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]),
    ...[...prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((m) => m[1]),
    ...[...prose.matchAll(/<(?:a|img)\b[^>]*?\b(?:href|src)\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1]),
  ];
  return { headings, targets };
}

// Problems with the links of `markdown`, given the tarball's file paths
// (relative to the package root, as npm lists them).
export function readmeLinkProblems(markdown, files) {
  const { headings, targets } = readmeLinks(markdown);
  const have = new Set(files);
  const problems = [];
  if (!targets.length) problems.push('no links found (the checker is not reading this README)');
  for (const t of targets) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(t)) {
      if (!/^(https|mailto):/i.test(t)) problems.push(`${t}: absolute links must be https`);
      continue;
    }
    const [file, anchor] = t.split('#');
    if (file === '') {
      if (!headings.includes(anchor)) problems.push(`${t}: no heading with that anchor`);
      continue;
    }
    const p = file.replace(/^\.\//, '');
    if (p.startsWith('/') || p.split('/').includes('..')) problems.push(`${t}: leaves the package`);
    else if (!have.has(decodeURIComponent(p))) problems.push(`${t}: not in the tarball`);
  }
  return problems;
}

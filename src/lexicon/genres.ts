/**
 * Kinds of document a question can point at without quoting a title ("讲话里…", "文章提到…",
 * "the MIIT article"): each kind with the title words that make a document that kind and the
 * words a question uses for it. Among hundreds of government work reports, "讲话" or "文章" is
 * often the only hint of which document a question is about.
 */
export type Genre =
  | 'speech'
  | 'greeting'
  | 'report'
  | 'meeting'
  | 'notice'
  | 'communique'
  | 'whitePaper'
  | 'minutes'
  | 'article';

interface GenreWords {
  genre: Genre;
  /** Title words that make a document this kind; none: see `article`. */
  title?: RegExp;
  mention: RegExp;
}

const GENRES: readonly GenreWords[] = [
  { genre: 'speech', title: /讲话|发言|演讲/, mention: /讲话|发言|演讲|\bspeech\b|\bremarks\b/i },
  // 致辞 is what a New Year address is called (元旦致辞), not a speech at a meeting.
  { genre: 'greeting', title: /贺词|献词|致辞/, mention: /贺词|献词|致辞|\bgreetings?\b|\baddress\b/i },
  { genre: 'report', title: /报告/, mention: /报告|\breport\b/i },
  // 会议 alone or after 这次/在…, not ending a meeting's name (中央经济工作会议 is not the meeting reported).
  {
    genre: 'meeting',
    title: /会议|召开|座谈会|全会/,
    mention: /(?:^|[这本此该那][次个]?|在|[，。？！、\s“"])(?:会议|会上)|\bmeeting\b/i,
  },
  // Official document kinds whose names are seldom anything else in a question ("方案", "意见" often are).
  { genre: 'notice', title: /通知|通告|公告/, mention: /通知|通告|公告|\bnotice\b/i },
  { genre: 'communique', title: /公报|通报/, mention: /公报|通报|\bcommuniqu[eé]\b|\bbulletin\b/i },
  { genre: 'whitePaper', title: /白皮书/, mention: /白皮书|\bwhite paper\b/i },
  { genre: 'minutes', title: /纪要/, mention: /纪要|\bminutes\b/i },
  // An article: signed by an organisation (中共工业和信息化部党组) and titled as none of the above.
  { genre: 'article', mention: /文章|\barticle\b/i },
];

/** The kinds a document is, from its title and whether its byline names an organisation. */
export function genresOf(title: string, signedByOrganisation: boolean): Set<Genre> {
  const kinds = new Set(GENRES.filter((g) => g.title?.test(title)).map((g) => g.genre));
  if (kinds.size === 0 && signedByOrganisation) kinds.add('article');
  return kinds;
}

/** The kinds of document a question refers to. */
export function genresMentioned(question: string): Set<Genre> {
  return new Set(GENRES.filter((g) => g.mention.test(question)).map((g) => g.genre));
}

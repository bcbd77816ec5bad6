/** Function words that carry no topic, shared by the tokenizer and the English bridge. */

/** English function words and question words. */
export const ENGLISH_STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a an the of to in on at for and or is are was were be by with from as that this these those it its ' +
    'what which who whom when where why how does do did about into than then there their they he she his her ' +
    'please tell me'
  ).split(' '),
);

/** Chinese function words and question words, plus the English ones (mixed questions). */
export const STOPWORDS: ReadonlySet<string> = new Set([
  ...(
    '的 了 是 在 和 与 及 或 也 都 就 而 并 又 这 那 之 其 于 以 为 对 把 被 从 向 到 等 着 过 吗 呢 吧 啊 呀 么 个 有 没有 ' +
    '什么 哪些 哪个 哪里 哪儿 哪 怎么 怎样 如何 为什么 为何 多少 几 是否 是不是 请问 请 一下 一些 这些 那些 这个 那个 ' +
    '我 我们 你 你们 他 他们 它 它们 谁 要 会 能 可以 该 应 应该 中 上 下 里 提到 提出 说 讲 指出 强调 文中 文章 资料'
  ).split(' '),
  ...ENGLISH_STOPWORDS,
]);

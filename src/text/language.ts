/** The two languages a question can be asked in; answers quote the (Chinese) sources either way. */
export type Language = 'zh' | 'en';

import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
const j = Jieba.withDict(dict);
for (const q of process.argv.slice(2)) console.log(q, JSON.stringify(j.tag(q, true)));

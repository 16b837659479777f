// encode.mjs: the independent reference for tests/model/tokenizer-js.sh.
// node encode.mjs TOKENIZER_DIR TEXTS_OUT IDS_OUT [TEXT_FILE...]: every line
// of the text files plus built-in English strings -> {"text"} and {"ids"} lines.
import { readFileSync, writeFileSync } from "node:fs";
import { Tokenizer } from "@huggingface/tokenizers";

const [dir, textsOut, idsOut, ...files] = process.argv.slice(2);
const tok = new Tokenizer(JSON.parse(readFileSync(`${dir}/tokenizer.json`, "utf8")),
                          JSON.parse(readFileSync(`${dir}/tokenizer_config.json`, "utf8")));
const texts = [
  "The quick brown fox jumps over the lazy dog.",
  "It's 3:45 p.m.; they've paid $1,234.56 (incl. 10% VAT) -- don't worry!",
  "Invoice #2025-0042\n\tTotal:    EUR 99.90\r\n",
  "<char>Hello</char><bbox>0.172, 0.266, 0.328, 0.341</bbox>\n<char>World</char><bbox>0.5, 0.5, 1, 1</bbox>",
  "CamelCaseIdentifiers and snake_case_names, URLs like https://example.com/a?b=c&d=e",
  "    indented code()   {\n        return x  +  y;\n    }\n\n\n",
  "Emoji 👍🏽 and flags 🇰🇷, math ∑ x² ≤ √y, dashes – — and quotes “like this”.",
];
for (const f of files)
  for (const line of readFileSync(f, "utf8").split("\n"))
    if (line.length) texts.push(line);
writeFileSync(textsOut, texts.map((t) => JSON.stringify({ text: t })).join("\n") + "\n");
writeFileSync(idsOut, texts.map((t) =>
  JSON.stringify({ ids: tok.encode(t, { add_special_tokens: false }).ids })).join("\n") + "\n");

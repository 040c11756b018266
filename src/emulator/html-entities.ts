import type { MessageEntity } from "./types.ts";

/**
 * Telegram's `parse_mode: "HTML"`, modelled on TDLib's parse_html (which the Bot API
 * server uses). Facts it reproduces:
 * - only these tags are known; anything else is `Unsupported start tag "x" at byte offset N`
 *   (so a bare `a < b` fails with tag name "");
 * - offsets in error messages are UTF-8 byte offsets of the `<`;
 * - entity offsets/lengths are UTF-16 code units of the resulting text;
 * - named entities: only &lt; &gt; &amp; &quot;, plus numeric ones; an unknown entity
 *   such as `&foo;` is NOT an error: it is kept verbatim as text;
 * - an unclosed tag at the end: `Can't find end tag corresponding to start tag "b"`.
 */

export class EntityParseError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = "EntityParseError";
  }
}

export interface ParsedText {
  text: string;
  entities: MessageEntity[];
}

const TAG_TYPES: Readonly<Record<string, string>> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  span: "spoiler",
  "tg-spoiler": "spoiler",
  a: "text_link",
  code: "code",
  pre: "pre",
  blockquote: "blockquote",
  "tg-emoji": "custom_emoji",
};

const NAMED_ENTITIES: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"' };

interface OpenTag {
  name: string;
  attributes: Map<string, string>;
  offset: number; // UTF-16 offset in the output text
}

const encoder = new TextEncoder();
const isSpace = (char: string | undefined): boolean => char !== undefined && /\s/.test(char);

class HtmlParser {
  private pos = 0;
  private text = "";
  private readonly stack: OpenTag[] = [];
  private readonly entities: MessageEntity[] = [];

  constructor(private readonly markup: string) {}

  parse(): ParsedText {
    const markup = this.markup;
    while (this.pos < markup.length) {
      const char = markup.charAt(this.pos);
      if (char === "&") this.text += this.readEntity();
      else if (char !== "<") {
        this.text += char;
        this.pos += 1;
      } else if (markup.charAt(this.pos + 1) === "/") this.closeTag();
      else this.openTag();
    }
    const unclosed = this.stack.at(-1);
    if (unclosed) {
      throw new EntityParseError(`Can't find end tag corresponding to start tag "${unclosed.name}"`);
    }
    // Telegram returns entities ordered by offset, the enclosing (longer) one first.
    this.entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
    return { text: this.text, entities: this.entities };
  }

  private byteOffset(index: number): number {
    return encoder.encode(this.markup.slice(0, index)).length;
  }

  /** Decodes `&...;` at pos; unknown or invalid references stay literal, as in TDLib. */
  private readEntity(): string {
    const match = /^&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);?/.exec(this.markup.slice(this.pos, this.pos + 12));
    const name = match?.[1];
    let decoded: string | undefined;
    if (name?.startsWith("#")) {
      const code = name[1] === "x" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      if (code > 0 && code < 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)) {
        decoded = String.fromCodePoint(code);
      }
    } else if (name !== undefined) {
      decoded = NAMED_ENTITIES[name];
    }
    if (match === null || decoded === undefined) {
      this.pos += 1;
      return "&";
    }
    this.pos += match[0].length;
    return decoded;
  }

  private openTag(): void {
    const begin = this.pos;
    const markup = this.markup;
    let i = begin + 1;
    while (i < markup.length && !isSpace(markup[i]) && markup[i] !== ">") i += 1;
    if (i >= markup.length) throw new EntityParseError(`Unclosed start tag at byte offset ${this.byteOffset(begin)}`);
    const name = markup.slice(begin + 1, i).toLowerCase();
    if (!(name in TAG_TYPES)) {
      throw new EntityParseError(`Unsupported start tag "${name}" at byte offset ${this.byteOffset(begin)}`);
    }
    const { attributes, end } = this.readAttributes(name, i, begin);
    if (name === "span" && attributes.get("class") !== "tg-spoiler") {
      throw new EntityParseError(`Tag "span" must have class "tg-spoiler" at byte offset ${this.byteOffset(begin)}`);
    }
    this.stack.push({ name, attributes, offset: this.text.length });
    this.pos = end + 1;
  }

  /** Reads `name="value"`, `name='value'`, `name=token` and bare `expandable` up to `>`. */
  private readAttributes(tag: string, start: number, begin: number): { attributes: Map<string, string>; end: number } {
    const markup = this.markup;
    const attributes = new Map<string, string>();
    const unclosed = () => new EntityParseError(`Unclosed start tag at byte offset ${this.byteOffset(begin)}`);
    let i = start;
    for (;;) {
      while (isSpace(markup[i])) i += 1;
      if (i >= markup.length) throw unclosed();
      if (markup[i] === ">") return { attributes, end: i };
      const nameStart = i;
      while (i < markup.length && !isSpace(markup[i]) && markup[i] !== "=" && markup[i] !== ">") i += 1;
      const name = markup.slice(nameStart, i).toLowerCase();
      while (isSpace(markup[i])) i += 1;
      if (markup[i] !== "=") {
        if (name === "expandable" && tag === "blockquote") {
          attributes.set(name, "");
          continue;
        }
        throw new EntityParseError(
          `Expected equal sign in declaration of an attribute of the tag "${tag}" at byte offset ${this.byteOffset(begin)}`,
        );
      }
      i += 1;
      while (isSpace(markup[i])) i += 1;
      if (i >= markup.length) throw unclosed();
      const quote = markup[i];
      let value: string;
      if (quote === '"' || quote === "'") {
        const close = markup.indexOf(quote, i + 1);
        if (close < 0) throw unclosed();
        value = decodeAttribute(markup.slice(i + 1, close));
        i = close + 1;
      } else {
        const tokenStart = i;
        while (i < markup.length && /[A-Za-z0-9.\-]/.test(markup.charAt(i))) i += 1;
        if (i < markup.length && !isSpace(markup[i]) && markup[i] !== ">") {
          throw new EntityParseError(`Unexpected end of name token at byte offset ${this.byteOffset(tokenStart)}`);
        }
        value = markup.slice(tokenStart, i).toLowerCase();
      }
      attributes.set(name, value);
    }
  }

  private closeTag(): void {
    const begin = this.pos;
    const markup = this.markup;
    const open = this.stack.pop();
    if (!open) throw new EntityParseError(`Unexpected end tag at byte offset ${this.byteOffset(begin)}`);
    let i = begin + 2;
    while (i < markup.length && !isSpace(markup[i]) && markup[i] !== ">") i += 1;
    const name = markup.slice(begin + 2, i).toLowerCase();
    while (isSpace(markup[i])) i += 1;
    if (markup[i] !== ">") throw new EntityParseError(`Unclosed end tag at byte offset ${this.byteOffset(begin)}`);
    if (name !== "" && name !== open.name) {
      throw new EntityParseError(
        `Unmatched end tag at byte offset ${this.byteOffset(begin)}, expected "</${open.name}>", found "</${name}>"`,
      );
    }
    this.pos = i + 1;
    this.addEntity(open);
  }

  private addEntity(open: OpenTag): void {
    const length = this.text.length - open.offset;
    if (length === 0) return; // Telegram drops empty entities
    const entity: MessageEntity = { type: TAG_TYPES[open.name] ?? "bold", offset: open.offset, length };
    if (open.name === "a") {
      const href = open.attributes.get("href") ?? "";
      if (href === "") return; // no usable URL: TDLib keeps the text without an entity
      entity.url = href;
    } else if (open.name === "blockquote" && open.attributes.has("expandable")) {
      entity.type = "expandable_blockquote";
    } else if (open.name === "tg-emoji") {
      entity.custom_emoji_id = open.attributes.get("emoji-id") ?? "";
    } else if (open.name === "code") {
      // <pre><code class="language-x"> gives the enclosing pre a language.
      const language = /^language-(.+)$/.exec(open.attributes.get("class") ?? "")?.[1];
      const parent = this.stack.at(-1);
      if (language && parent?.name === "pre" && parent.offset === open.offset) {
        parent.attributes.set("language", language);
        return;
      }
    } else if (open.name === "pre") {
      const language = open.attributes.get("language");
      if (language) entity.language = language;
    }
    this.entities.push(entity);
  }
}

function decodeAttribute(value: string): string {
  return value.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot);?/g, (whole, name: string) => {
    if (!name.startsWith("#")) return NAMED_ENTITIES[name] ?? whole;
    const code = name[1] === "x" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code > 0 && code < 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** Parses Telegram HTML markup; throws EntityParseError with Telegram's wording. */
export function parseHtmlEntities(markup: string): ParsedText {
  return new HtmlParser(markup).parse();
}

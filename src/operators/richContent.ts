/**
 * Typed builders of LivePerson's structured content (JSON Pollock): the elements, the layouts and
 * quick replies. Their output is what `sendRichContent` and `quickReplies` options take, and it is
 * checked against json-pollock's own schemas in this library's specs (`spec/operators/richContent.spec.ts`),
 * never at runtime in a bot.
 *
 * @example
 * sendRichContent(dialogId, card([text('Pick a size'), button('Large', publishText('large'))]), { quickReplies: quickReplies([quickReply('Help')]) });
 */

/** What a click does. */
export type Action =
  | { readonly type: 'publishText'; readonly text: string }
  | { readonly type: 'link'; readonly uri: string; readonly name?: string }
  | { readonly type: 'navigate'; readonly la: number; readonly lo: number; readonly name?: string };

/** What a click does and what it sends along (metadata such as `{ type: 'ExternalId', id }`). */
export interface Click {
  readonly actions?: readonly Action[];
  readonly metadata?: readonly Record<string, unknown>[];
}

/** Options every element takes. */
export interface ElementOptions {
  readonly tooltip?: string;
  /** Accessibility and test tag. */
  readonly tag?: string;
  readonly style?: { readonly bold?: boolean; readonly italic?: boolean; readonly color?: string; readonly 'background-color'?: string; readonly size?: 'small' | 'medium' | 'large' };
}

/** A text element. */
export interface TextElement extends ElementOptions {
  readonly type: 'text';
  readonly text: string;
  readonly rtl?: boolean;
}
/** A button element. */
export interface ButtonElement extends ElementOptions {
  readonly type: 'button';
  readonly title: string;
  readonly click?: Click;
}
/** An image element. */
export interface ImageElement extends ElementOptions {
  readonly type: 'image';
  readonly url: string;
  readonly caption?: string;
  readonly click?: Click;
}
/** A map element. */
export interface MapElement extends ElementOptions {
  readonly type: 'map';
  readonly la: number;
  readonly lo: number;
  readonly click?: Click;
}
/** Any basic element. */
export type BasicElement = TextElement | ButtonElement | ImageElement | MapElement;
/** A vertical or horizontal layout of elements (a card is a vertical one). */
export interface LayoutElement {
  readonly type: 'vertical' | 'horizontal';
  readonly elements: readonly (BasicElement | LayoutElement)[];
  readonly tag?: string;
}
/** A carousel of cards. */
export interface CarouselElement {
  readonly type: 'carousel';
  readonly padding?: number;
  readonly elements: readonly LayoutElement[];
}
/** The structured content of a RichContentEvent. */
export type RichContent = LayoutElement | CarouselElement;

/** A quick-reply button. */
export interface QuickReplyButton {
  readonly type: 'button';
  readonly title: string;
  readonly tooltip?: string;
  readonly click: Click;
}
/** Quick replies shown under a message. */
export interface QuickReplies {
  readonly type: 'quickReplies';
  readonly itemsPerRow: number;
  readonly replies: readonly QuickReplyButton[];
}

/**
 * The action that publishes a text as the consumer, as if typed.
 *
 * @example
 * button('Yes', publishText('yes'));
 */
export function publishText(text: string): Action {
  return { type: 'publishText', text };
}

/**
 * The action that opens a link.
 *
 * @example
 * button('Our site', link('https://example.com'));
 */
export function link(uri: string, name?: string): Action {
  return { type: 'link', uri, ...(name !== undefined ? { name } : {}) };
}

/**
 * The action that opens a map at a place.
 *
 * @example
 * button('Directions', navigate(32.08, 34.78, 'Our shop'));
 */
export function navigate(la: number, lo: number, name?: string): Action {
  return { type: 'navigate', la, lo, ...(name !== undefined ? { name } : {}) };
}

/**
 * A text element.
 *
 * @example
 * text('Welcome!', { style: { bold: true } });
 */
export function text(value: string, options: ElementOptions & { rtl?: boolean } = {}): TextElement {
  return { type: 'text', text: value, ...options };
}

/**
 * A button: its title, and what a click does (one action, or several with metadata).
 *
 * @example
 * button('Order', publishText('order'));
 * button('Track', { actions: [link('https://example.com/track')], metadata: [{ type: 'ExternalId', id: 'track' }] });
 */
export function button(title: string, click: Action | Click, options: ElementOptions = {}): ButtonElement {
  return { type: 'button', title, click: 'type' in click ? { actions: [click] } : click, ...options };
}

/**
 * An image element.
 *
 * @example
 * image('https://example.com/shirt.png', { caption: 'The shirt' });
 */
export function image(url: string, options: ElementOptions & { caption?: string; click?: Click } = {}): ImageElement {
  return { type: 'image', url, ...options };
}

/**
 * A map element.
 *
 * @example
 * map(32.08, 34.78, { tooltip: 'Our shop' });
 */
export function map(la: number, lo: number, options: ElementOptions & { click?: Click } = {}): MapElement {
  return { type: 'map', la, lo, ...options };
}

/**
 * A card: elements stacked vertically.
 *
 * @example
 * card([image(url), text('A shirt'), button('Buy', publishText('buy shirt'))]);
 */
export function card(elements: readonly (BasicElement | LayoutElement)[], options: { tag?: string } = {}): LayoutElement {
  return { type: 'vertical', elements, ...options };
}

/**
 * Elements side by side.
 *
 * @example
 * horizontal([button('Yes', publishText('yes')), button('No', publishText('no'))]);
 */
export function horizontal(elements: readonly (BasicElement | LayoutElement)[], options: { tag?: string } = {}): LayoutElement {
  return { type: 'horizontal', elements, ...options };
}

/**
 * A carousel of cards.
 *
 * @example
 * carousel([card([text('One')]), card([text('Two')])]);
 */
export function carousel(cards: readonly LayoutElement[], options: { padding?: number } = {}): CarouselElement {
  return { type: 'carousel', elements: cards, ...options };
}

/**
 * A quick-reply button: publishes its title (or `publishText`) as the consumer.
 *
 * @example
 * quickReply('Opening hours');
 */
export function quickReply(title: string, options: { publishText?: string; tooltip?: string; metadata?: readonly Record<string, unknown>[] } = {}): QuickReplyButton {
  const { publishText: said = title, tooltip, metadata } = options;
  return { type: 'button', title, ...(tooltip !== undefined ? { tooltip } : {}), click: { actions: [publishText(said)], ...(metadata ? { metadata } : {}) } };
}

/**
 * Quick replies for a message (the `quickReplies` option of `sendText` and `sendRichContent`).
 *
 * @example
 * sendText(dialogId, 'Anything else?', { quickReplies: quickReplies([quickReply('Yes'), quickReply('No')]) });
 */
export function quickReplies(replies: readonly QuickReplyButton[], itemsPerRow = Math.min(8, Math.max(1, replies.length))): QuickReplies {
  return { type: 'quickReplies', itemsPerRow, replies };
}

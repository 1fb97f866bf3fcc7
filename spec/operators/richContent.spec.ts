import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { rich, sendRichContent, sendText } from '../../src/operators/index';

/** LivePerson's own JSON Pollock schemas, as the json-pollock package ships them. */
function pollock(): { content: ValidateFunction; button: ValidateFunction } {
  const dir = join(dirname(require.resolve('json-pollock/package.json')), 'js', 'schema');
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    ajv.addSchema(JSON.parse(readFileSync(join(dir, file), 'utf8')) as object, file);
  }
  const content = ajv.getSchema('rich_content.json');
  const button = ajv.getSchema('button.json');
  if (!content || !button) throw new Error('json-pollock schemas not found');
  return { content, button };
}

describe('rich content builders, checked against json-pollock\'s schemas', () => {
  const { content, button } = pollock();
  const valid = (validate: ValidateFunction, value: unknown): string => (validate(value) ? 'valid' : JSON.stringify(validate.errors?.slice(0, 3)));

  it('builds cards, horizontal layouts and carousels that the schema accepts', () => {
    const shirt = rich.card(
      [
        rich.image('https://example.com/shirt.png', { caption: 'A shirt', tooltip: 'shirt' }),
        rich.text('Blue shirt', { style: { bold: true, size: 'large' } }),
        rich.horizontal([rich.button('Buy', rich.publishText('buy the blue shirt')), rich.button('Details', rich.link('https://example.com/shirt', 'details'))]),
        rich.button('Find a shop', { actions: [rich.navigate(32.08, 34.78, 'Tel Aviv')], metadata: [{ type: 'ExternalId', id: 'shop' }] }),
        rich.map(32.08, 34.78, { tooltip: 'the shop' }),
      ],
      { tag: 'product' },
    );
    expect(valid(content, shirt)).toBe('valid');
    expect(valid(content, rich.carousel([shirt, rich.card([rich.text('Red shirt')])], { padding: 10 }))).toBe('valid');
  });

  it('quick replies are schema-valid buttons that publish their text', () => {
    const replies = rich.quickReplies([rich.quickReply('Opening hours'), rich.quickReply('Talk to a human', { publishText: 'agent', tooltip: 'a human' })]);
    expect(replies).toMatchObject({ type: 'quickReplies', itemsPerRow: 2 });
    for (const reply of replies.replies) expect(valid(button, reply)).toBe('valid');
    expect(replies.replies[1]?.click.actions).toEqual([{ type: 'publishText', text: 'agent' }]);
  });

  it('the schema is not a rubber stamp: broken content is refused', () => {
    expect(content({ type: 'vertical', elements: [{ type: 'button' }] })).toBe(false);
    expect(content({ type: 'vertical', elements: [rich.button('x', rich.link('not a uri'))] })).toBe(false);
    expect(content({ type: 'carousel', elements: [{ type: 'text', text: 'no cards' }] })).toBe(false);
  });

  it('sendRichContent and sendText carry builders\' output as they are', () => {
    const menu = rich.card([rich.text('Menu')]);
    const replies = rich.quickReplies([rich.quickReply('A')]);
    expect(sendRichContent('d1', menu, { quickReplies: replies }).body.event).toEqual({ type: 'RichContentEvent', content: menu, quickReplies: replies });
    expect(sendText('d1', 'hi', { quickReplies: replies }).body.event).toMatchObject({ type: 'ContentEvent', message: 'hi', quickReplies: replies });
  });
});

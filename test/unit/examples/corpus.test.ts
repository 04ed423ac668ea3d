import { describe, expect, it } from 'vitest';
import { importExample } from './run-example.js';

interface Passage {
  id: string;
  doc_id: string;
  title: string;
  text: string;
}
interface Corpus {
  documents: Array<{ id: string; title: string; paragraphs: string[] }>;
  passages: Passage[];
  search(query: string, k: number): Array<{ passage: Passage; score: number; matched: string[] }>;
}
interface CorpusModule {
  openCorpus(): Promise<Corpus>;
  parseDocument(id: string, markdown: string): { id: string; title: string; paragraphs: string[] };
}
interface Bm25Module {
  Bm25: new (docs: string[][]) => {
    search(q: string[], k: number): Array<{ index: number; score: number; matched: string[] }>;
  };
}
interface TextModule {
  stem(w: string): string;
  terms(t: string): string[];
  sentences(t: string): string[];
}

const corpusModule = importExample<CorpusModule>('corpus/index.js');
const { Bm25 } = await importExample<Bm25Module>('corpus/bm25.js');
const text = await importExample<TextModule>('corpus/text.js');

describe('bundled corpus', () => {
  it('holds 20-40 titled documents of 150-400 words, each stating several figures', async () => {
    const { documents } = await (await corpusModule).openCorpus();
    expect(documents.length).toBeGreaterThanOrEqual(20);
    expect(documents.length).toBeLessThanOrEqual(40);
    for (const d of documents) {
      const words = d.paragraphs.join(' ').split(/\s+/).length;
      expect(words, d.id).toBeGreaterThanOrEqual(150);
      expect(words, d.id).toBeLessThanOrEqual(400);
      expect(d.title.length, d.id).toBeGreaterThan(5);
      expect(d.paragraphs.join(' ').match(/\d+/g)?.length ?? 0, d.id).toBeGreaterThanOrEqual(3);
    }
  });

  it('refuses a document without a title line, naming the file', async () => {
    const { parseDocument } = await corpusModule;
    expect(() => parseDocument('notes', 'Just a paragraph.\n\nAnother.')).toThrow(
      'corpus document notes.md must start with a "# Title" line',
    );
    expect(parseDocument('ok', '# Title\n\nOne\nparagraph.\n\n\nTwo.')).toEqual({
      id: 'ok',
      title: 'Title',
      paragraphs: ['One paragraph.', 'Two.'],
    });
  });

  it.each([
    ['Hornsdale 129 megawatt-hours', 'hornsdale-power-reserve'],
    ['Huntorf 1978 salt caverns compressed air', 'compressed-air-storage'],
    ['Goodenough lithium cobalt oxide cathode 4 volts', 'lithium-ion-invention'],
    ['Gemasolar 15 hours molten salt tower', 'molten-salt-thermal'],
    ['who invented the lead-acid battery in 1859', 'lead-acid-batteries'],
    ['flywheels spinning at 16,000 revolutions per minute', 'flywheel-storage'],
  ])('BM25 ranks the document stating the facts of "%s" first', async (query, docId) => {
    const corpus = await (await corpusModule).openCorpus();
    const [top, next] = corpus.search(query, 2);
    expect(top?.passage.doc_id).toBe(docId);
    expect(top!.score).toBeGreaterThan(next?.score ?? 0);
  });
});

describe('BM25', () => {
  const docs = [
    ['battery', 'storage', 'grid'],
    ['battery', 'battery', 'battery', 'cost'],
    ['hydro', 'storage', 'reservoir', 'dam', 'turbine', 'tunnel', 'water', 'pump'],
    ['flywheel', 'rotor'],
  ];
  const index = new Bm25(docs);

  it('weighs a rare term above a common one', () => {
    const [top] = index.search(['storage', 'cost'], 4);
    expect(top?.index).toBe(1); // "cost" is in one document, "storage" in two
  });

  it('saturates repeated terms and normalises by length', () => {
    const hits = index.search(['storage'], 4);
    expect(hits.map((h) => h.index)).toEqual([0, 2]); // the short document wins
    const once = new Bm25([['a', 'b'], ['a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'], ['c']]).search(['a'], 2);
    expect(once[0]!.score / once[1]!.score).toBeLessThan(8);
  });

  it('returns only documents sharing a term with the query, and reports the terms matched', () => {
    expect(index.search(['nothing'], 3)).toEqual([]);
    const hits = index.search(['rotor', 'rotor', 'flywheel'], 3);
    expect(hits.map((h) => [h.index, h.matched])).toEqual([[3, ['rotor', 'flywheel']]]);
  });
});

describe('text processing', () => {
  it('folds plurals and -ed/-ing/-tion onto one stem, leaving short words and numbers alone', () => {
    expect(['batteries', 'battery'].map(text.stem)).toEqual(['battery', 'battery']);
    expect(['invented', 'invention', 'inventing'].map(text.stem)).toEqual(['invent', 'invent', 'invent']);
    expect(['spinning', 'gas', 'status', '1978'].map(text.stem)).toEqual(['spin', 'gas', 'status', '1978']);
    expect(text.terms('What are the batteries of Hornsdale?')).toEqual(['battery', 'hornsdale']);
  });

  it('splits sentences without breaking decimals', () => {
    expect(text.sentences('It stores 0.27 MWh. That is small! Why? 2024 saw more.')).toEqual([
      'It stores 0.27 MWh.',
      'That is small!',
      'Why?',
      '2024 saw more.',
    ]);
  });
});

/**
 * Extension definitions known to the hub, per trust group: those stored in the group (loaded
 * once, then kept up to date as new ones are stored). The validator looks them up through
 * `lookup`, which answers for the group whose envelope is being validated: validation is
 * synchronous, so the group set by `validateIn` cannot change while it runs. Definitions never
 * cross groups, so a validation result tells nobody what another group stores.
 */
import type { ObjectDoc } from '../storage/objects';
import type { GroupStores } from '../storage/trust-groups';

type Definitions = Map<string, Record<string, unknown>>;

export class ExtensionDefinitions {
  private readonly byGroup = new Map<string, Promise<Definitions>>();
  private active: Definitions | undefined;

  /** For createValidator({ extensionDefinition }). */
  readonly lookup = (id: string): Record<string, unknown> | undefined => this.active?.get(id);

  private load(g: GroupStores): Promise<Definitions> {
    let p = this.byGroup.get(g.name);
    if (!p) {
      p = g.objects.findByType('extension-definition').then((docs) => {
        const defs: Definitions = new Map();
        for (const d of docs) defs.set(d.meta.id, JSON.parse(d.raw) as Record<string, unknown>);
        return defs;
      });
      p.catch(() => this.byGroup.delete(g.name));
      this.byGroup.set(g.name, p);
    }
    return p;
  }

  /** Runs a synchronous validation with the group's definitions visible to `lookup`. */
  async validateIn<T>(g: GroupStores, validate: () => T): Promise<T> {
    const defs = await this.load(g);
    this.active = defs;
    try {
      return validate();
    } finally {
      this.active = undefined;
    }
  }

  /** Keeps the group's definitions current after a store. */
  async stored(g: GroupStores, docs: ObjectDoc[]): Promise<void> {
    const added = docs.filter((d) => d.meta.type === 'extension-definition' && !d.meta.restricted);
    if (added.length === 0) return;
    const defs = await this.load(g);
    for (const d of added) defs.set(d.meta.id, JSON.parse(d.raw) as Record<string, unknown>);
  }
}

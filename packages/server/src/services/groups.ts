import type { Kysely, Selectable } from 'kysely';
import { errors } from '../errors.js';
import { isUniqueViolation } from '../store/database.js';
import type { Database, GroupsTable } from '../store/schema.js';
import { iso, type Clock } from '../common/clock.js';
import { newId } from '../common/crypto.js';

export type GroupRow = Selectable<GroupsTable> & { member_ids: string[] };

/** Named sets of users, for sharing workspaces with several people at once. */
export class GroupService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async list(): Promise<GroupRow[]> {
    const groups = await this.db.selectFrom('groups').selectAll().orderBy('name').execute();
    const members = await this.db
      .selectFrom('group_members')
      .select(['group_id', 'user_id'])
      .orderBy('added_at')
      .execute();
    return groups.map((g) => ({
      ...g,
      member_ids: members.filter((m) => m.group_id === g.id).map((m) => m.user_id),
    }));
  }

  async get(id: string): Promise<GroupRow> {
    const group = await this.db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
    if (!group) throw errors.notFound('The group');
    const members = await this.db
      .selectFrom('group_members')
      .select('user_id')
      .where('group_id', '=', id)
      .orderBy('added_at')
      .execute();
    return { ...group, member_ids: members.map((m) => m.user_id) };
  }

  async create(input: { name: string; description: string }): Promise<GroupRow> {
    const id = newId();
    await this.unique(input.name, () =>
      this.db
        .insertInto('groups')
        .values({ id, name: input.name, description: input.description, created_at: iso(this.clock.now()) })
        .execute(),
    );
    return this.get(id);
  }

  async update(
    id: string,
    patch: { name?: string | undefined; description?: string | undefined },
  ): Promise<GroupRow> {
    await this.get(id);
    if (patch.name !== undefined || patch.description !== undefined) {
      await this.unique(patch.name ?? '', () =>
        this.db
          .updateTable('groups')
          .set({
            ...(patch.name !== undefined && { name: patch.name }),
            ...(patch.description !== undefined && { description: patch.description }),
          })
          .where('id', '=', id)
          .execute(),
      );
    }
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    const result = await this.db.deleteFrom('groups').where('id', '=', id).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw errors.notFound('The group');
  }

  async addMember(groupId: string, userId: string): Promise<GroupRow> {
    const group = await this.get(groupId);
    const user = await this.db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
    if (!user) throw errors.notFound('The user');
    if (!group.member_ids.includes(userId)) {
      await this.db
        .insertInto('group_members')
        .values({ group_id: groupId, user_id: userId, added_at: iso(this.clock.now()) })
        .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing())
        .execute();
    }
    return this.get(groupId);
  }

  async removeMember(groupId: string, userId: string): Promise<GroupRow> {
    await this.get(groupId);
    await this.db
      .deleteFrom('group_members')
      .where('group_id', '=', groupId)
      .where('user_id', '=', userId)
      .execute();
    return this.get(groupId);
  }

  private async unique(name: string, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (isUniqueViolation(error))
        throw errors.conflict(`A group named "${name}" exists: choose another name.`);
      throw error;
    }
  }
}

import { presenceLeave, presenceList, presenceMember, type PresenceMember } from '@hangar/protocol';
import { useEffect, useState } from 'react';
import { subscribeWorkspaceLive } from './workspace-live';

/** Who is in the workspace now: the live stream's snapshot, then joins, updates and leaves. */
export function usePresence(workspaceId: string): PresenceMember[] {
  const [members, setMembers] = useState<PresenceMember[]>([]);
  useEffect(() => {
    setMembers([]);
    return subscribeWorkspaceLive(workspaceId, ({ type, data }) => {
      if (type === 'snapshot') {
        const list = presenceList.safeParse(data);
        if (list.success) setMembers(list.data.members);
      } else if (type === 'join' || type === 'update') {
        const member = presenceMember.safeParse(data);
        if (!member.success) return;
        setMembers((current) => {
          const index = current.findIndex((m) => m.userId === member.data.userId);
          return index < 0
            ? [...current, member.data]
            : current.map((m, i) => (i === index ? member.data : m));
        });
      } else if (type === 'leave') {
        const left = presenceLeave.safeParse(data);
        if (left.success) setMembers((current) => current.filter((m) => m.userId !== left.data.userId));
      }
    });
  }, [workspaceId]);
  return members;
}

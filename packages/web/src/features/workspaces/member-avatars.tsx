import type { WorkspaceMember } from '@hangar/protocol';

/** Shown before "+N more" so a row stays one line on a phone. */
const MAX_SHOWN = 4;

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0], parts[parts.length - 1]] : [name.trim()];
  return letters
    .map((part) => Array.from(part ?? '')[0] ?? '')
    .join('')
    .toUpperCase();
}

export function Avatar({ name }: { name: string }) {
  return (
    <span className="avatar" aria-hidden="true">
      {initials(name) || '?'}
    </span>
  );
}

/** Members as initials, with names and roles for screen readers and on hover. */
export function MemberAvatars({ members }: { members: WorkspaceMember[] }) {
  const shown = members.slice(0, MAX_SHOWN);
  const hidden = members.length - shown.length;
  return (
    <ul className="avatars" aria-label="Members">
      {shown.map((member) => (
        <li key={member.userId} title={`${member.displayName} (${member.role})`}>
          <Avatar name={member.displayName} />
          <span className="visually-hidden">
            {member.displayName} ({member.role})
          </span>
        </li>
      ))}
      {hidden > 0 ? <li className="avatars-more">+{hidden} more</li> : null}
    </ul>
  );
}

// Test data for organizations, memberships and invitations: Clerk's JSON as the webhooks spec's examples carry it,
// with every field the spec requires (the tests check them against clerk-json.ts's schemas).
import type {
  ClerkDeletedOrganizationJson,
  ClerkOrganizationInvitationJson,
  ClerkOrganizationJson,
  ClerkOrganizationMembershipJson,
  ClerkUserJson,
} from '../clerk/clerk-json.ts';
import { clerkId } from '../../../emulator/factories.ts';

export function makeOrganization(overrides: Partial<ClerkOrganizationJson> = {}): ClerkOrganizationJson {
  const at = overrides.updated_at ?? Date.now() - 60_000;
  const name = overrides.name ?? 'Acme Corp';
  return {
    object: 'organization',
    id: clerkId('org'),
    name,
    slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
    image_url: 'https://img.clerk.com/org',
    has_image: false,
    members_count: 1,
    missing_member_with_elevated_permissions: false,
    pending_invitations_count: 0,
    max_allowed_memberships: 5,
    admin_delete_enabled: true,
    public_metadata: {},
    private_metadata: {},
    created_by: 'user_creator',
    created_at: at,
    updated_at: at,
    ...overrides,
  };
}

export function makeDeletedOrganization(org: Pick<ClerkOrganizationJson, 'id' | 'slug'>): ClerkDeletedOrganizationJson {
  return { object: 'organization', id: org.id, slug: org.slug, deleted: true };
}

const ROLE_PERMISSIONS: Record<string, string[]> = {
  'org:member': ['org:sys_memberships:read'],
  'org:admin': ['org:sys_memberships:read', 'org:sys_memberships:manage', 'org:sys_profile:manage'],
};

export function makeMembership(
  org: ClerkOrganizationJson,
  user: Pick<ClerkUserJson, 'id' | 'first_name' | 'last_name'> & { identifier?: string },
  overrides: Partial<ClerkOrganizationMembershipJson> = {},
): ClerkOrganizationMembershipJson {
  const at = overrides.updated_at ?? org.updated_at;
  const role = overrides.role ?? 'org:member';
  return {
    object: 'organization_membership',
    id: clerkId('orgmem'),
    role,
    role_name: role === 'org:admin' ? 'Admin' : 'Member',
    permissions: ROLE_PERMISSIONS[role] ?? [],
    public_metadata: {},
    private_metadata: {},
    organization: org,
    public_user_data: {
      user_id: user.id,
      first_name: user.first_name,
      last_name: user.last_name,
      profile_image_url: 'https://img.clerk.com/user',
      image_url: 'https://img.clerk.com/user',
      has_image: false,
      identifier: user.identifier ?? `${user.id}@example.com`,
    },
    created_at: at,
    updated_at: at,
    ...overrides,
  };
}

export function makeInvitation(
  org: Pick<ClerkOrganizationJson, 'id'>,
  overrides: Partial<ClerkOrganizationInvitationJson> = {},
): ClerkOrganizationInvitationJson {
  const at = overrides.updated_at ?? Date.now() - 60_000;
  return {
    object: 'organization_invitation',
    id: clerkId('orginv'),
    email_address: 'invitee@example.com',
    role: 'org:member',
    role_name: 'Member',
    organization_id: org.id,
    inviter_id: null,
    public_inviter_data: null,
    status: 'pending',
    public_metadata: {},
    private_metadata: {},
    url: null,
    expires_at: at + 7 * 86_400_000,
    created_at: at,
    updated_at: at,
    ...overrides,
  };
}

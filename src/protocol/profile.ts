import * as t from 'io-ts';

/** `.ams.userprofile.GetUserProfile` body: a bare consumer id string, or `{}` for one's own profile. */
export const GetUserProfileBody = t.union([t.string, t.partial({ userId: t.string })], 'GetUserProfileBody');
export type GetUserProfileBody = t.TypeOf<typeof GetUserProfileBody>;

/** An SDE (structured data entity) as carried by `lp_sdes`. */
export const Sde = t.intersection([t.type({ type: t.string }), t.UnknownRecord], 'Sde');
export type Sde = t.TypeOf<typeof Sde>;

/** `.ams.userprofile.GetUserProfile` response: a consumer's (or the agent's own) profile. */
export const UserProfile = t.partial(
  {
    firstName: t.string,
    lastName: t.string,
    avatarUrl: t.string,
    userId: t.string,
    role: t.string,
    backgndImgUri: t.string,
    description: t.string,
    privateData: t.partial({ mobileNum: t.string, mail: t.string, email: t.string, userId: t.string }),
    authenticatedData: t.partial({ lp_sdes: t.array(Sde) }),
    claims: t.partial({ iss: t.string, lp_sdes: t.array(Sde) }),
    acr: t.string,
  },
  'UserProfile',
);
export type UserProfile = t.TypeOf<typeof UserProfile>;

/** `.GetClock` response. */
export const ClockResponse = t.type({ currentTime: t.number }, 'ClockResponse');
export type ClockResponse = t.TypeOf<typeof ClockResponse>;

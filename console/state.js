// What the console is looking at. The token itself is in api.js, nowhere else.
export const state = {
  principal: null, // 'admin' | 'key'
  org: null,       // the organization object being managed
  orgs: [],        // what the admin can pick from
};

export const orgId = () => state.org && state.org.id;

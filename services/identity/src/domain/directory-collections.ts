/** The query options `/users` and `/devices` answer, each collection's rules in one place. */
import { DEVICE_SELECT } from './devices.js';
import { USER_SELECT } from './directory.js';
import { DEVICE_FILTER, USER_FILTER } from './directory-filter.js';
import { DEVICE_ORDER, USER_ORDER } from './directory-order.js';
import { DEVICE_SEARCH, USER_SEARCH } from './directory-search.js';
import type { DirectoryCollection } from './list-query.js';

export const USERS: DirectoryCollection = { filter: USER_FILTER, search: USER_SEARCH, order: USER_ORDER, select: USER_SELECT };
export const DEVICES: DirectoryCollection = { filter: DEVICE_FILTER, search: DEVICE_SEARCH, order: DEVICE_ORDER, select: DEVICE_SELECT };

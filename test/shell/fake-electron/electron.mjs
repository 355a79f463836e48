// A stand-in for the few Electron APIs src-main/index.ts uses. It records what the shell asks
// of Electron so the smoke test can check the wiring; it decides nothing itself.
import { forkUtility } from './utility-process.mjs';

export const state = {
  schemes: null,
  sandbox: false,
  protocolHandlers: new Map(),
  ipcHandlers: new Map(),
  permissionRequest: null,
  permissionCheck: null,
  devicePermission: null,
  opened: [],
  errors: [],
  notifications: [],
  utilityForks: [],
  saveDialogs: [],
  quitRequested: 0,
  quit: false,
  exitCode: null,
};
globalThis.__fakeElectron = state;

const appListeners = new Map();
const paths = { appData: '/nonexistent/appData' };

export const app = {
  isPackaged: false,
  getPath: (name) => paths[name] ?? `/nonexistent/${name}`,
  setPath: (name, value) => {
    paths[name] = value;
  },
  enableSandbox: () => {
    state.sandbox = true;
  },
  requestSingleInstanceLock: () => process.env.FAKE_SINGLE_INSTANCE_LOCK !== 'taken',
  on(event, fn) {
    if (!appListeners.has(event)) appListeners.set(event, []);
    appListeners.get(event).push(fn);
    return app;
  },
  emit(event, ...args) {
    for (const fn of appListeners.get(event) ?? []) fn(...args);
  },
  whenReady: () => Promise.resolve(),
  quit() {
    state.quitRequested += 1;
    const event = {
      prevented: false,
      preventDefault() {
        this.prevented = true;
      },
    };
    app.emit('before-quit', event);
    if (!event.prevented) state.quit = true;
  },
  exit(code) {
    state.exitCode = code;
  },
};

let nextId = 1;
function makeContents() {
  const listeners = new Map();
  const contents = {
    id: nextId++,
    url: '',
    sent: [],
    openHandler: null,
    on(event, fn) {
      if (!listeners.has(event)) listeners.set(event, []);
      listeners.get(event).push(fn);
      return contents;
    },
    emit(event, ...args) {
      for (const fn of listeners.get(event) ?? []) fn(...args);
    },
    setWindowOpenHandler(fn) {
      contents.openHandler = fn;
    },
    getURL: () => contents.url,
    isDestroyed: () => false,
    send(channel, ...args) {
      contents.sent.push([channel, ...args]);
    },
  };
  return contents;
}

export class BrowserWindow {
  static all = [];
  static getAllWindows() {
    return BrowserWindow.all;
  }
  constructor(options) {
    this.options = options;
    this.webContents = makeContents();
    this.focused = 0;
    this.loadedUrl = null;
    BrowserWindow.all.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  once() {}
  on() {}
  loadURL(url) {
    this.loadedUrl = url;
    this.webContents.url = url;
    return Promise.resolve();
  }
  isMinimized() {
    return false;
  }
  restore() {}
  show() {}
  focus() {
    this.focused += 1;
  }
}

export const protocol = {
  registerSchemesAsPrivileged(schemes) {
    state.schemes = schemes;
  },
  handle(scheme, handler) {
    state.protocolHandlers.set(scheme, handler);
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler(fn) {
      state.permissionRequest = fn;
    },
    setPermissionCheckHandler(fn) {
      state.permissionCheck = fn;
    },
    setDevicePermissionHandler(fn) {
      state.devicePermission = fn;
    },
  },
};

export const ipcMain = {
  handle(channel, fn) {
    state.ipcHandlers.set(channel, fn);
  },
  removeHandler(channel) {
    state.ipcHandlers.delete(channel);
  },
};

export const shell = {
  openExternal(url) {
    state.opened.push(url);
    return Promise.resolve();
  },
};

export const dialog = {
  showErrorBox(title, message) {
    state.errors.push({ title, message });
    process.stderr.write(`${title}: ${message}\n`);
  },
  showSaveDialog(...args) {
    const options = args[args.length - 1];
    state.saveDialogs.push(options);
    return Promise.resolve({ canceled: true });
  },
};

/** A real child process for the core (utility-process.mjs), as Electron's utility process would be. */
export const utilityProcess = {
  fork(modulePath, args, options) {
    const child = forkUtility(modulePath, args, options);
    state.utilityForks.push({ modulePath, args, options, child });
    return child;
  },
};

export class Notification {
  static isSupported() {
    return true;
  }
  constructor(options) {
    this.options = options;
  }
  show() {
    state.notifications.push(this.options);
  }
}

/** A stand-in keychain: reversible, marked so a test can tell a wrapped file from a plain one. */
export const safeStorage = {
  isEncryptionAvailable() {
    return true;
  },
  encryptString(plain) {
    return Buffer.from(`fake-keychain:${Buffer.from(plain, 'utf8').toString('base64')}`, 'utf8');
  },
  decryptString(encrypted) {
    const text = encrypted.toString('utf8');
    if (!text.startsWith('fake-keychain:')) throw new Error('not wrapped by this keychain');
    return Buffer.from(text.slice('fake-keychain:'.length), 'base64').toString('utf8');
  },
};

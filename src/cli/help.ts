import { VERSION } from "../version.ts";

export const HELP = `tgsignal ${VERSION}: a self-hosted Telegram notification gateway

Usage:
  tgsignal [serve] [-c FILE]       run the gateway (FILE: -c, $TGSIGNAL_CONFIG, or ./config.yaml)
  tgsignal validate [-c FILE]      check the config offline; errors as FILE:LINE:COL message
  tgsignal check [-c FILE]         validate, then ask Telegram about each bot (getMe, webhook)
  tgsignal keys [-c FILE] [--json] [--token T]
                                   issued keys, unassigned first
  tgsignal keys revoke KEY [-c FILE] [--token T]
                                   revoke a key; through the running server's admin API if
                                   there is one (token: --token, $TGSIGNAL_TOKEN, or a client
                                   with admin: true), which tells the person
  tgsignal keys repair [-c FILE]   move damaged keys.log lines aside (server stopped)
  tgsignal events [-c FILE] [--follow] [--after ID]
                                   events people sent, as JSON lines (--follow: new ones as they come)
  tgsignal send [-c FILE] --to NAME [--format text|html|markdown] [--title T] [--silent] TEXT|-
                                   one message; through the running server if there is one
  tgsignal demo [--auto]           local sandbox: gateway + built-in Bot API emulator
  tgsignal --version | --help

Environment:
  TGSIGNAL_CONFIG      config file when -c is not given
  TGSIGNAL_LOG         debug | info | warn | error (default info)
  TGSIGNAL_LOG_FORMAT  text | json (default text)
  TGSIGNAL_TOKEN       client token for send and keys when they go through a running server

Exit codes: 0 ok, 1 invalid config or input (or an enabled bot failing check),
2 usage, 3 data dir problem (locked, damaged key log or inbox, not writable), 4 runtime
failure (port in use, a send that failed).
`;

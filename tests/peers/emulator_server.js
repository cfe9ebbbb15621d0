'use strict';

// Runs the independent Bot API emulator `telegram-test-api` for the Python harness in
// tests/peers/emulator.py:
//
//   node emulator_server.js <npm prefix holding node_modules/telegram-test-api>
//
// Prints one JSON line {"api_url": "http://127.0.0.1:PORT"} once it accepts connections and
// stops on SIGTERM, SIGINT or when its standard input closes (the test process went away).
//
// The emulator keeps doing all the work (storage, update ids, message ids, edits); this file only
// serves it on a free port, adds one test-only route and, in `fixResults`, patches the few Bot
// API answers of the emulator that python-telegram-bot cannot parse.

const http = require('http');
const path = require('path');
const { createRequire } = require('module');

// This script lives outside the npm prefix, so resolve the emulator from there, and express from
// the emulator's own location so both use the very same copy.
const fromPrefix = createRequire(path.join(path.resolve(process.argv[2]), 'package.json'));
const emulatorEntry = fromPrefix.resolve('telegram-test-api');
const TelegramServer = fromPrefix(emulatorEntry);
const express = createRequire(emulatorEntry)('express');

const BOT_METHOD = /^\/bot[^/]+\/(\w+)$/;

// Express middleware, mounted before the emulator, that rewrites the `result` of its successful
// Bot API answers, per method.
function fixResults(emulator) {
  // Bot API editMessageText and editMessageReplyMarkup return the edited Message, but the
  // emulator answers null, on which PTB's Message.de_json fails. Answer with the message as the
  // emulator stored it, in the shape of its own sendMessage answer; a message it does not know is
  // left alone (PTB then fails loudly, as it would on Telegram's "message to edit not found").
  const editedMessage = (result, req) => {
    const { chat_id: chatId, message_id: messageId } = req.body;
    const stored = emulator.storage.botMessages.find(
      (update) => String(update.messageId) === String(messageId)
        && String(update.message.chat_id) === String(chatId),
    );
    if (!stored) return result;
    const { message } = stored;
    return {
      ...message,
      reply_markup: 'inline_keyboard' in (message.reply_markup ?? {}) ? message.reply_markup : undefined,
      message_id: stored.messageId,
      date: Math.floor(stored.time / 1000),
      chat: { id: Number(message.chat_id), type: 'private' },
    };
  };

  const fixes = {
    // Bot API User.is_bot is required and getMe leaves it out, so PTB cannot build the bot user.
    getMe: (user) => ({ is_bot: true, ...user }),
    // Bot API Message.date is Unix time in seconds; the emulator answers milliseconds, which PTB
    // turns into a datetime past the year 9999 and fails.
    sendMessage: (message) => ({ ...message, date: Math.floor(message.date / 1000) }),
    // Bot API CallbackQuery.chat_instance is required and the emulator's update drops it, so PTB
    // cannot parse the update; any string constant per chat will do.
    getUpdates: (updates) => updates.map((update) => {
      const query = update.callback_query;
      if (!query) return update;
      const chatInstance = String(query.message?.chat.id ?? query.from.id);
      return { ...update, callback_query: { chat_instance: chatInstance, ...query } };
    }),
    editMessageText: editedMessage,
    editMessageReplyMarkup: editedMessage,
  };

  return (req, res, next) => {
    const fix = fixes[BOT_METHOD.exec(req.path)?.[1]];
    if (fix) {
      const json = res.json.bind(res);
      res.json = (body) => json(body?.ok ? { ...body, result: fix(body.result, req) } : body);
    }
    next();
  };
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  // The emulator's own start() cannot take port 0 (it turns 0 into 9000) and offers no hook
  // before its routes, so this script owns the HTTP server and mounts the emulator's express app.
  const emulator = new TelegramServer({ port, host: '127.0.0.1' });

  // POST /testWait {"after": N} answers {"ok": true, "result": {"version": M}} as soon as the
  // bot has sent or edited messages M > N times, counted with the emulator's own events, so tests
  // can await bot output without sleeping. Any N below 0 returns the current count at once.
  let version = 0;
  let waiters = [];
  for (const event of ['AddedBotMessage', 'EditedMessageText', 'EditedMessageReplyMarkup']) {
    emulator.on(event, () => {
      version += 1;
      const woken = waiters;
      waiters = [];
      woken.forEach((wake) => wake());
    });
  }

  const app = express();
  app.post('/testWait', express.json(), (req, res) => {
    const reply = () => res.json({ ok: true, result: { version } });
    if (version > Number(req.body.after)) {
      reply();
      return;
    }
    waiters.push(reply);
    // A test that gave up waiting closes the request; forget it.
    res.on('close', () => {
      waiters = waiters.filter((wake) => wake !== reply);
    });
  });
  app.use(fixResults(emulator));
  app.use(emulator.webServer);
  server.on('request', app);

  // The emulator keeps everything in memory, so there is nothing to flush: just leave.
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();

  process.stdout.write(`${JSON.stringify({ api_url: `http://127.0.0.1:${port}` })}\n`);
});

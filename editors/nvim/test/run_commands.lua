-- Headless check of the commands editors/nvim/lsp/integrity_lsp.lua ships (Neovim >= 0.11):
--
--   nvim --clean --headless -l editors/nvim/test/run_commands.lua FILE RESULT.json
--
-- 1. With a server command that does not exist, opening FILE says so with vim.notify.
-- 2. With the real command (INTEGRITY_LSP_CMD), :IntegrityLspRestart starts the server.
-- 3. :IntegrityLspRestart again: the old client is stopped, a new one attached.
-- 4. :IntegrityLspStop: no client left.

local harness = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/harness.lua')

local file = _G.arg[1]
local result = { ok = false, step = 'start', notified = {} }
local run = harness.run(_G.arg[2], result)
local wait_for = run.expect

vim.notify = function(message, level)
  table.insert(result.notified, { message = message, level = level })
end

local attached = harness.client

-- 1. A missing server.
result.step = 'missing'
vim.lsp.config('integrity_lsp', { cmd = { 'integrity-lsp-not-installed-here', 'serve' } })
vim.lsp.enable('integrity_lsp')
vim.cmd('filetype on')
vim.cmd.edit(vim.fn.fnameescape(file))
local bufnr = vim.api.nvim_get_current_buf()
wait_for('a notification about the missing server', function()
  return #result.notified > 0
end)
result.clients_without_server = #vim.lsp.get_clients({ name = 'integrity_lsp' })

-- 2. The real server, started by :IntegrityLspRestart.
result.step = 'restart'
vim.lsp.config('integrity_lsp', { cmd = vim.json.decode(os.getenv('INTEGRITY_LSP_CMD')) })
vim.cmd('IntegrityLspRestart')
local first
wait_for('a client after :IntegrityLspRestart', function()
  first = attached(bufnr)
  return first ~= nil
end)
result.first = first.id

-- 3. Restarted: a new client, the old one stopped.
result.step = 'restart again'
vim.cmd('IntegrityLspRestart')
local second
wait_for('a new client after a second :IntegrityLspRestart', function()
  second = attached(bufnr)
  return second ~= nil and second.id ~= first.id
end)
result.second = second.id
result.first_stopped = first:is_stopped()

-- 4. Stopped.
result.step = 'stop'
vim.cmd('IntegrityLspStop')
wait_for('no client after :IntegrityLspStop', function()
  return #vim.lsp.get_clients({ name = 'integrity_lsp' }) == 0
end)

result.step = 'done'
result.ok = true
run.finish()

-- Headless run of integrity-lsp in Neovim (>= 0.11) as a user works: one file open, the models
-- file beside it in a :vsplit, a field's unique=True removed there (unsaved), then put back and
-- saved. Through Neovim's own LSP client and editors/nvim/lsp/integrity_lsp.lua:
--
--   nvim --clean --headless -l editors/nvim/test/run_live.lua RESULT.json
--
-- run in a copy of examples/. Records, in RESULT.json:
--   related   every relatedInformation location of the diagnostics of shop/services.py and
--             accounts/views.py, with whether its file is readable
--   hover     the hover with the cursor on the first character of `sku=` in a create() call
--   unsaved   how long (ms) after the edit in the models buffer the services buffer's
--             diagnostics showed it, and those diagnostics
--   saved     the same after putting unique=True back and :write
-- Exit status 0 when every step worked, 1 otherwise (RESULT.json says which step failed).
--
-- Environment: INTEGRITY_LSP_CMD (JSON list: the server command), INTEGRITY_LSP_TIMEOUT_MS
-- (how long to wait at each step, default 60000).

local script = debug.getinfo(1, 'S').source:sub(2)
local nvim_dir = vim.fs.dirname(vim.fs.dirname(vim.fs.normalize(vim.fn.fnamemodify(script, ':p'))))
vim.opt.runtimepath:prepend(nvim_dir)

local result_path = _G.arg[1]
local timeout = tonumber(os.getenv('INTEGRITY_LSP_TIMEOUT_MS') or '') or 60000
local SERVICES, MODELS, ACCOUNTS = 'shop/services.py', 'shop/models/catalog.py', 'accounts/views.py'
local UNIQUE_SKU = 'sku = models.CharField(max_length=32, unique=True)'
local PLAIN_SKU = 'sku = models.CharField(max_length=32)'

local result = { ok = false, step = 'start', nvim = tostring(vim.version()) }

local function finish()
  local handle = assert(io.open(result_path, 'w'))
  handle:write(vim.json.encode(result))
  handle:close()
  vim.cmd(result.ok and 'qall!' or 'cquit! 1')
end

local function fail(message)
  result.error = message
  finish()
  error(message) -- not reached: cquit ends Neovim
end

local overrides = {}
local cmd = os.getenv('INTEGRITY_LSP_CMD')
if cmd and cmd ~= '' then
  overrides.cmd = vim.json.decode(cmd)
end
local server_exit
overrides.on_exit = function(code, signal)
  server_exit = { code = code, signal = signal }
end
vim.lsp.config('integrity_lsp', overrides)
vim.lsp.enable('integrity_lsp')
vim.cmd('filetype on')

--- Waits until `condition()` holds; fails the run at the timeout or if the server exits.
local function wait_for(what, condition)
  local met = vim.wait(timeout, function()
    return condition() or server_exit ~= nil
  end, 20)
  if server_exit then
    result.server_exit = server_exit
    fail(('the server exited (code %s) while waiting for %s'):format(server_exit.code, what))
  end
  if not met then
    fail('waited in vain for ' .. what .. ' (' .. timeout .. ' ms)')
  end
end

local function ours(bufnr)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.source == 'integrity-lsp' then
      table.insert(found, { code = d.code, lnum = d.lnum + 1, message = d.message, lsp = d.user_data and d.user_data.lsp })
    end
  end
  table.sort(found, function(a, b)
    return a.lnum < b.lnum or (a.lnum == b.lnum and a.code < b.code)
  end)
  return found
end

local function summary(list)
  local shown = {}
  for _, d in ipairs(list) do
    table.insert(shown, { code = d.code, lnum = d.lnum, message = d.message })
  end
  return shown
end

local function has(list, code, lnum)
  for _, d in ipairs(list) do
    if d.code == code and (lnum == nil or d.lnum == lnum) then
      return d
    end
  end
end

local function line_of(bufnr, text)
  for index, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    if line:find(text, 1, true) then
      return index, line
    end
  end
  fail(('%q is not in buffer %d'):format(text, bufnr))
end

local function open(path)
  vim.cmd.edit(vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  wait_for('the client on ' .. path, function()
    local client = vim.lsp.get_clients({ bufnr = bufnr, name = 'integrity_lsp' })[1]
    return client ~= nil and client.initialized
  end)
  return bufnr
end

-- 1. The accounts file: its race names Django's own `username` field.
result.step = 'accounts'
local accounts = open(ACCOUNTS)
wait_for('IL101 in ' .. ACCOUNTS, function()
  return has(ours(accounts), 'IL101') ~= nil
end)

-- 2. The services file (the one we keep looking at).
result.step = 'services'
local services = open(SERVICES)
local create_line = line_of(services, 'Product.objects.create(  # expect: IL101')
wait_for('IL101 in ' .. SERVICES, function()
  return has(ours(services), 'IL101', create_line) ~= nil
end)
result.before = summary(ours(services))

-- 3. Every related location of both files.
result.related = {}
for _, bufnr in ipairs({ accounts, services }) do
  for _, d in ipairs(ours(bufnr)) do
    for _, info in ipairs((d.lsp or {}).relatedInformation or {}) do
      local file = vim.uri_to_fname(info.location.uri)
      table.insert(result.related, {
        code = d.code,
        message = info.message,
        uri = info.location.uri,
        line = info.location.range.start.line + 1,
        readable = vim.fn.filereadable(file) == 1,
        text = vim.fn.filereadable(file) == 1 and (vim.fn.readfile(file)[info.location.range.start.line + 1] or '') or '',
      })
    end
  end
end

-- 4. Hover with the cursor on the first character of the keyword `sku=`.
result.step = 'hover'
local keyword_line, keyword_text = line_of(services, 'sku=sku, name=name, category=category')
local keyword_col = keyword_text:find('sku=', 1, true) - 1
local client = vim.lsp.get_clients({ bufnr = services, name = 'integrity_lsp' })[1]
local answer = client:request_sync('textDocument/hover', {
  textDocument = { uri = vim.uri_from_bufnr(services) },
  position = { line = keyword_line - 1, character = keyword_col },
}, timeout, services)
local contents = answer and answer.result and answer.result.contents
result.hover = {
  line = keyword_line,
  col = keyword_col,
  text = type(contents) == 'table' and (contents.value or '') or (contents or vim.NIL),
}

-- 5. The models file in a vertical split; sku loses unique=True, unsaved. The services
--    buffer is not touched: only the server can tell it that it reads differently now.
local get_or_create_line = line_of(services, 'Product.objects.get_or_create(')
local function models_edit(step, from, to, write)
  result.step = step
  vim.cmd('vsplit ' .. vim.fn.fnameescape(MODELS))
  local models = vim.api.nvim_get_current_buf()
  local number, text = line_of(models, from)
  local before = vim.json.encode(summary(ours(services)))
  local started = vim.uv.hrtime()
  local replaced = text:gsub(vim.pesc(from), to)
  vim.api.nvim_buf_set_lines(models, number - 1, number, false, { replaced })
  if write then
    vim.cmd('silent write')
  end
  wait_for('a change of ' .. SERVICES .. "'s diagnostics after " .. step, function()
    return vim.json.encode(summary(ours(services))) ~= before
  end)
  local changed_after = (vim.uv.hrtime() - started) / 1e6
  -- What it changed to, once the server has finished with this edit.
  local target = write and function(list)
    return has(list, 'IL104', get_or_create_line) == nil
  end or function(list)
    return has(list, 'IL104', get_or_create_line) ~= nil
  end
  wait_for('the diagnostics of ' .. SERVICES .. ' after ' .. step, function()
    return target(ours(services))
  end)
  result[step] = {
    first_change_ms = changed_after,
    settled_ms = (vim.uv.hrtime() - started) / 1e6,
    modified = vim.bo[models].modified,
    diagnostics = summary(ours(services)),
  }
  vim.cmd('close')
end
models_edit('unsaved', UNIQUE_SKU, PLAIN_SKU, false)
-- 6. unique=True back, and the models file saved.
models_edit('saved', PLAIN_SKU, UNIQUE_SKU, true)
result.get_or_create_line = get_or_create_line
result.create_line = create_line

result.step = 'done'
result.ok = true
finish()

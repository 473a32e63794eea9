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
-- Environment: INTEGRITY_LSP_CMD, INTEGRITY_LSP_TIMEOUT_MS (see harness.lua).

local harness = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/harness.lua')

local SERVICES, MODELS, ACCOUNTS = 'shop/services.py', 'shop/models/catalog.py', 'accounts/views.py'
local UNIQUE_SKU = 'sku = models.CharField(max_length=32, unique=True)'
local PLAIN_SKU = 'sku = models.CharField(max_length=32)'

local result = { ok = false, step = 'start', nvim = tostring(vim.version()) }
local run = harness.run(_G.arg[1], result)
local fail, wait_for, timeout = run.fail, run.expect, run.timeout
run.start_server()

local function ours(bufnr)
  return harness.diagnostics(bufnr, true)
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
    return harness.client(bufnr) ~= nil
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
local client = harness.client(services)
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
run.finish()

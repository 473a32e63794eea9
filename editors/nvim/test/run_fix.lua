-- Headless end-to-end run of integrity-lsp inside Neovim (>= 0.11), through Neovim's own LSP
-- client and editors/nvim/lsp/integrity_lsp.lua:
--
--   nvim --clean --headless -l editors/nvim/test/run_fix.lua FILE RESULT.json
--
-- opens FILE, waits for integrity-lsp's diagnostics (vim.diagnostic.get), applies the preferred
-- quick fix for the first IL101 with vim.lsp.buf.code_action({apply = true}), writes the file,
-- waits until the server has re-diagnosed and no IL101 is left on the lines the fix changed
-- (other IL101s elsewhere in the file may stay), and writes what happened to RESULT.json.
-- Exit status 0 when every step worked, 1 otherwise (RESULT.json says which step failed).
--
-- Environment (and INTEGRITY_LSP_CMD, INTEGRITY_LSP_SETTINGS, INTEGRITY_LSP_TIMEOUT_MS: see
-- harness.lua):
--   INTEGRITY_LSP_CODE         the code to fix (default IL101)
--   INTEGRITY_LSP_EXPLAIN      if set, also run :IntegrityLspExplain with this text and record the quickfix list

local harness = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/harness.lua')

local file, result_path = _G.arg[1], _G.arg[2]
local code = os.getenv('INTEGRITY_LSP_CODE') or 'IL101'
local result = { ok = false, step = 'start', nvim = tostring(vim.version()), code = code }
local run = harness.run(result_path, result)
local fail = run.fail

if not file then
  fail('usage: nvim --clean --headless -l run_fix.lua FILE [RESULT.json]')
end
if vim.fn.has('nvim-0.11') == 0 then
  fail('Neovim >= 0.11 is needed for vim.lsp.config, found ' .. result.nvim)
end
run.start_server()

local diagnostics = harness.diagnostics

local function first_with_code(list)
  for _, d in ipairs(list) do
    if d.code == code then
      return d
    end
  end
end

vim.cmd.edit(vim.fn.fnameescape(file))
local bufnr = vim.api.nvim_get_current_buf()
result.filetype = vim.bo[bufnr].filetype

-- 1. The client attaches.
result.step = 'attach'
local client
if not run.wait_for('the client', function()
  client = harness.client(bufnr)
  return client ~= nil
end) then
  fail('integrity_lsp did not attach to ' .. file .. ' (filetype ' .. result.filetype .. ')')
end
result.client = {
  name = client.name,
  root_dir = client.root_dir,
  offset_encoding = client.offset_encoding,
  cmd = client.config.cmd,
}

-- 2. Its diagnostics arrive.
result.step = 'diagnostics'
local target
run.wait_for('a ' .. code .. ' diagnostic', function()
  target = first_with_code(diagnostics(bufnr))
  return target ~= nil
end)
result.before = diagnostics(bufnr)
if not target then
  fail('no ' .. code .. ' diagnostic within ' .. run.timeout .. ' ms')
end

-- Counts diagnostic updates for the buffer, so that "after" is the server's answer to the new text.
local generation = 0
vim.api.nvim_create_autocmd('DiagnosticChanged', {
  callback = function(args)
    if args.buf == bufnr then
      generation = generation + 1
    end
  end,
})

-- 3. The preferred quick fix, applied by Neovim's own client.
result.step = 'code_action'
result.target = target
vim.api.nvim_win_set_cursor(0, { target.lnum, target.col })
local tick = vim.b[bufnr].changedtick
local generation_before_fix = generation
-- The lines the fix changes (0-based, end exclusive, in the new text).
local changed
local tracking = true
vim.api.nvim_buf_attach(bufnr, false, {
  on_lines = function(_, _, _, first, _, last_new)
    if not tracking then
      return true -- detach
    end
    if changed then
      changed.first = math.min(changed.first, first)
      changed.last = math.max(changed.last, last_new)
    else
      changed = { first = first, last = last_new }
    end
  end,
})
local offered = {}
vim.lsp.buf.code_action({
  context = { only = { 'quickfix' }, diagnostics = vim.lsp.diagnostic.from(vim.diagnostic.get(bufnr, { lnum = target.lnum - 1 })) },
  filter = function(action, client_id)
    table.insert(offered, { title = action.title, isPreferred = action.isPreferred == true, kind = action.kind })
    return action.isPreferred == true and (client_id == nil or client_id == client.id)
  end,
  apply = true,
})
run.wait_for('the preferred code action', function()
  return vim.b[bufnr].changedtick ~= tick
end)
result.offered = offered
if vim.b[bufnr].changedtick == tick then
  fail('the preferred code action did not change the buffer')
end
-- A workspace edit is applied in one go; give any further on_lines calls of it a moment.
vim.wait(100)
tracking = false
changed = changed or { first = target.lnum - 1, last = target.lnum }
-- 1-based, inclusive; a deletion (first == last) still covers the line it closed up on.
result.changed = { first_lnum = changed.first + 1, last_lnum = math.max(changed.last, changed.first + 1) }

local function in_changed_lines(d)
  return d.code == code and d.end_lnum >= result.changed.first_lnum and d.lnum <= result.changed.last_lnum
end

local function left_in_changed_lines(list)
  for _, d in ipairs(list) do
    if in_changed_lines(d) then
      return d
    end
  end
end

-- 4. Written to disk; the server re-diagnoses and the diagnostic is gone from the fixed lines.
result.step = 'write'
vim.cmd('silent write')
result.step = 'after'
run.wait_for('the diagnostics after the fix', function()
  return generation > generation_before_fix and left_in_changed_lines(diagnostics(bufnr)) == nil
end)
result.after = diagnostics(bufnr)
result.diagnostic_updates_after_fix = generation - generation_before_fix
if generation == generation_before_fix then
  fail('no diagnostics arrived after the fix within ' .. run.timeout .. ' ms')
end
if left_in_changed_lines(result.after) then
  fail(code .. ' is still reported on the fixed lines')
end

-- 5. Optionally: :IntegrityLspExplain fills the quickfix list.
local explain_text = os.getenv('INTEGRITY_LSP_EXPLAIN')
if explain_text and explain_text ~= '' then
  result.step = 'explain'
  vim.fn.setqflist({}, 'r', { title = '', items = {} })
  vim.cmd('IntegrityLspExplain ' .. explain_text)
  run.wait_for('the quickfix list', function()
    return #vim.fn.getqflist() > 0
  end)
  local info = vim.fn.getqflist({ title = 1, items = 1 })
  result.explain = { title = info.title, items = {} }
  for _, item in ipairs(info.items) do
    table.insert(result.explain.items, {
      filename = vim.api.nvim_buf_get_name(item.bufnr),
      lnum = item.lnum,
      col = item.col,
      text = item.text,
    })
  end
  if #result.explain.items == 0 then
    fail(':IntegrityLspExplain put nothing in the quickfix list')
  end
end

result.step = 'done'
result.ok = true
run.finish()

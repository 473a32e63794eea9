;;; eglot_real.el --- headless eglot session against the real server  -*- lexical-binding: t -*-

;; Usage, in a Django project (no git needed: eglot then takes the file's folder as the root):
;;
;;   INTEGRITY_LSP_CMD='["python", "-m", "integrity_lsp", "serve"]' \
;;     emacs -Q --batch -l eglot_real.el FILE.py CODE RESULT.json
;;
;; Registers the server for python-mode as editors/README.md does, opens FILE.py, waits (up to
;; INTEGRITY_LSP_TIMEOUT seconds, default 60) for an integrity-lsp diagnostic with code CODE,
;; then asks for code actions on its line twice: with `eglot-code-actions' as eglot does it,
;; and with every diagnostic of the buffer in the request's context (what newer eglot sends).
;; Writes what it saw to RESULT.json: the Emacs and eglot versions, the root eglot chose, the
;; diagnostics, and the titles of both answers.  Exits 0 when it got that far.
;; Works with Debian's emacs-nox 28 + elpa-eglot 1.9 and with Emacs 29+.

(require 'package)
(add-to-list 'package-directory-list "/usr/share/emacs/site-lisp/elpa")
(package-initialize)
(require 'eglot)
(require 'json)
(require 'cl-lib)

(defun integrity-lsp-test--ours ()
  (seq-filter (lambda (d) (string-prefix-p "integrity-lsp" (flymake-diagnostic-text d)))
              (flymake-diagnostics)))

(defun integrity-lsp-test--lsp-diagnostics (diagnostics)
  (vconcat (cl-loop for diag in diagnostics
                    when (cdr (assoc 'eglot-lsp-diag (eglot--diag-data diag)))
                    collect it)))

(defun integrity-lsp-test--titles (actions)
  (mapcar (lambda (action) (plist-get action :title)) (append actions nil)))

(let* ((file (nth 0 command-line-args-left))
       (code (nth 1 command-line-args-left))
       (result-file (nth 2 command-line-args-left))
       (spec (getenv "INTEGRITY_LSP_CMD"))
       (command (if (and spec (not (string-empty-p spec)))
                    (append (json-read-from-string spec) nil)
                  '("integrity-lsp" "serve")))
       (timeout (string-to-number (or (getenv "INTEGRITY_LSP_TIMEOUT") "60")))
       (waited 0.0)
       (result (list (cons 'emacs emacs-version))))
  (setq command-line-args-left nil)
  (add-to-list 'eglot-server-programs `((python-mode python-ts-mode) . ,command))
  (find-file file)
  (python-mode)
  (flymake-mode 1)
  (apply #'eglot (eglot--guess-contact))
  (let ((server (eglot-current-server)))
    (push (cons 'root (if (fboundp 'project-root)
                          (expand-file-name (project-root (eglot--project server)))
                        (expand-file-name (car (project-roots (eglot--project server))))))
          result))
  (while (and (not (seq-find (lambda (d) (string-match-p (format "\\b%s\\b" code)
                                                         (flymake-diagnostic-text d)))
                             (integrity-lsp-test--ours)))
              (< waited timeout))
    (accept-process-output nil 0.1)
    (setq waited (+ waited 0.1)))
  (let* ((ours (integrity-lsp-test--ours))
         (target (seq-find (lambda (d) (string-match-p (format "\\b%s\\b" code)
                                                       (flymake-diagnostic-text d)))
                           ours)))
    (push (cons 'diagnostics
                (vconcat (mapcar (lambda (d)
                                   (list (cons 'line (line-number-at-pos (flymake-diagnostic-beg d)))
                                         (cons 'text (flymake-diagnostic-text d))))
                                 ours)))
          result)
    (when target
      (goto-char (flymake-diagnostic-beg target))
      (push (cons 'line (line-number-at-pos)) result)
      (let* ((server (eglot-current-server))
             (at-point (eglot-code-actions (point) nil nil nil))
             (everything
              (jsonrpc-request
               server :textDocument/codeAction
               (list :textDocument (eglot--TextDocumentIdentifier)
                     :range (list :start (eglot--pos-to-lsp-position (point))
                                  :end (eglot--pos-to-lsp-position (point)))
                     :context (list :diagnostics
                                    (integrity-lsp-test--lsp-diagnostics (flymake-diagnostics)))))))
        (push (cons 'at_point (vconcat (integrity-lsp-test--titles at-point))) result)
        (push (cons 'with_every_diagnostic (vconcat (integrity-lsp-test--titles everything)))
              result)
        (push (cons 'ok t) result)))
    (push (cons 'eglot (if (boundp 'eglot-version) eglot-version "1.9")) result)
    (with-temp-file result-file (insert (json-encode result)))
    (let ((server (eglot-current-server)))
      (when server (ignore-errors (eglot-shutdown server))))
    (kill-emacs (if target 0 1))))

;;; eglot_real.el ends here

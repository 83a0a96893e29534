//! Every sentence of the interface, in Brazilian Portuguese and English.
//!
//! Keys are grouped by screen or area; add new keys to the group they belong to.

use super::Locale;

macro_rules! catalog {
    ($($(#[$doc:meta])* $key:ident => $pt:literal, $en:literal;)*) => {
        /// A user-facing sentence.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Msg {
            $($(#[$doc])* $key,)*
        }

        impl Msg {
            /// The sentence in a language.
            pub fn text(self, locale: Locale) -> &'static str {
                match (self, locale) {
                    $((Self::$key, Locale::PtBr) => $pt, (Self::$key, Locale::En) => $en,)*
                }
            }
        }
    };
}

catalog! {
    NameEmpty => "Informe um nome para a instância.", "Give the instance a name.";
    NameTooLong => "O nome pode ter no máximo 100 caracteres.", "The name can have at most 100 characters.";
    NameControl => "O nome não pode ter quebras de linha nem caracteres de controle.", "The name cannot contain line breaks or control characters.";
    NameTaken => "Você já tem uma instância com esse nome.", "You already have an instance with this name.";
    NameFormatCharacters => "O nome não pode ter caracteres invisíveis de formatação (como espaço de largura zero ou inversão de direção).", "The name cannot contain invisible format characters (such as zero-width spaces or direction overrides).";
    PhoneEmpty => "Informe o número de telefone.", "Enter the phone number.";
    PhoneInvalidChars => "O telefone deve ter apenas números (e +, espaços, parênteses ou hífens).", "The phone may only contain digits (and +, spaces, parentheses or hyphens).";
    PhoneTooShort => "Número curto demais. Inclua o DDD, por exemplo (11) 99999-9999.", "Number too short. Include the area code, e.g. +55 11 99999-9999.";
    PhoneTooLong => "Número longo demais para um telefone.", "Number too long for a phone.";
    PhoneNotANumber => "Esse número não existe. Confira o DDD e os dígitos.", "This number cannot exist. Check the area code and digits.";
    EmailInvalid => "Informe um e-mail válido.", "Enter a valid e-mail address.";
    EmailTaken => "Já existe uma conta com esse e-mail.", "An account with this e-mail already exists.";
    PasswordTooShort => "A senha precisa ter pelo menos 8 caracteres.", "The password needs at least 8 characters.";
    PasswordTooLong => "A senha pode ter no máximo 1024 caracteres.", "The password can have at most 1024 characters.";
    TokenNameInvalid => "O nome do token deve ter de 1 a 100 caracteres.", "The token name must have 1 to 100 characters.";
    BadJson => "Corpo da requisição inválido", "Invalid request body";
    BadQuery => "Parâmetros de consulta inválidos", "Invalid query parameters";
    BadPath => "Endereço inválido", "Invalid path";
    BadStatus => "Status desconhecido. Use disconnected, connecting ou connected.", "Unknown status. Use disconnected, connecting or connected.";
    BadSort => "Ordenação desconhecida. Use name, createdAt, updatedAt, status ou lastConnection (com - para decrescente).", "Unknown sort. Use name, createdAt, updatedAt, status or lastConnection (prefix - for descending).";
    BadLimit => "O limite deve estar entre 1 e 200.", "The limit must be between 1 and 200.";
    BadPage => "A página deve ser um número a partir de 1.", "The page must be a number from 1.";
    BadCursor => "Cursor inválido ou de outra ordenação.", "Invalid cursor, or one made for another sort.";
    PageAndCursor => "Use page ou cursor, não os dois.", "Use page or cursor, not both.";
    Unauthenticated => "Autenticação necessária: envie Authorization: Bearer <token>.", "Authentication required: send Authorization: Bearer <token>.";
    Forbidden => "Você não tem permissão para isso.", "You are not allowed to do this.";
    NotFound => "Não encontrado.", "Not found.";
    MethodNotAllowed => "Método não permitido neste endereço.", "Method not allowed on this path.";
    PayloadTooLarge => "Corpo da requisição grande demais.", "Request body too large.";
    UnsupportedMediaType => "Envie o corpo como JSON (Content-Type: application/json).", "Send the body as JSON (Content-Type: application/json).";
    AppName => "zapfleet", "zapfleet";
    NavInstances => "Instâncias", "Instances";
    NavSignOut => "Sair", "Sign out";
    NavLanguage => "English", "Português";
    SandboxBanner => "Modo sandbox: nenhum WhatsApp real é usado. Conecte com “simular leitura” ou pelo celular de mentira em", "Sandbox mode: no real WhatsApp is used. Connect with “simulate scan” or the pretend phone at";
    SignInTitle => "Entrar", "Sign in";
    SignUpTitle => "Criar conta", "Create account";
    EmailLabel => "E-mail", "E-mail";
    PasswordLabel => "Senha", "Password";
    SignInButton => "Entrar", "Sign in";
    SignUpButton => "Criar conta", "Create account";
    NoAccount => "Ainda não tem conta?", "No account yet?";
    HaveAccount => "Já tem conta?", "Already have an account?";
    BadCredentials => "E-mail ou senha incorretos.", "Wrong e-mail or password.";
    TooManyAttempts => "Muitas tentativas. Espere alguns minutos e tente de novo.", "Too many attempts. Wait a few minutes and try again.";
    SignupsClosed => "Novas contas estão fechadas neste servidor.", "Sign-ups are closed on this server.";
    PasswordCommon => "Essa senha é conhecida demais e seria adivinhada logo. Escolha outra.", "This password is too well known and would be guessed quickly. Choose another.";
    SignUpRefused => "Não foi possível criar a conta com esses dados. Se você já tem conta, entre.", "The account could not be created with these details. If you already have an account, sign in.";
    SetupTokenLabel => "Código de instalação (mostrado no log do servidor)", "Setup code (shown in the server's log)";
    SetupTokenInvalid => "Código de instalação incorreto. Ele aparece no log do servidor na primeira partida.", "Wrong setup code. It is in the server's log from its first start.";
    CsrfFailed => "O formulário expirou. Recarregue a página e tente de novo.", "The form expired. Reload the page and try again.";
    NewInstance => "Nova Instância", "New instance";
    NameLabel => "Nome", "Name";
    PhoneLabel => "Telefone (WhatsApp)", "Phone (WhatsApp)";
    PhoneHint => "Com DDD, ex.: (11) 99999-9999. Outros países: +código.", "With area code, e.g. +55 11 99999-9999.";
    Create => "Criar", "Create";
    Cancel => "Cancelar", "Cancel";
    Close => "Fechar", "Close";
    InstanceCreated => "Instância criada.", "Instance created.";
    InstanceCreatedProviderDown => "Instância salva, mas o provedor não respondeu; tentaremos de novo sozinhos.", "Instance saved, but the provider did not answer; we will keep trying.";
    SearchPlaceholder => "Buscar por nome ou telefone", "Search by name or phone";
    AllStatuses => "Todos os status", "All statuses";
    StatusConnected => "Conectado", "Connected";
    StatusConnecting => "Conectando", "Connecting";
    StatusDisconnected => "Desconectado", "Disconnected";
    SortNewest => "Mais recentes", "Newest";
    SortName => "Nome (A–Z)", "Name (A–Z)";
    SortLastConnection => "Última conexão", "Last connection";
    ColumnName => "Nome", "Name";
    ColumnPhone => "Telefone", "Phone";
    ColumnStatus => "Status", "Status";
    ColumnLastConnection => "Última conexão", "Last connection";
    ColumnActions => "Ações", "Actions";
    Never => "nunca", "never";
    Connect => "Conectar", "Connect";
    Disconnect => "Desconectar", "Disconnect";
    Reconnect => "Reconectar", "Reconnect";
    Delete => "Excluir", "Delete";
    ConfirmDelete => "Excluir esta instância? Ela também será removida do provedor.", "Delete this instance? It is removed at the provider too.";
    ConfirmDisconnect => "Desconectar (sair do WhatsApp)? Será preciso ler um novo QR.", "Disconnect (log out of WhatsApp)? A new QR will be needed.";
    ConfirmBulk => "Aplicar às instâncias selecionadas?", "Apply to the selected instances?";
    Selected => "Selecionadas:", "Selected:";
    EmptyTitle => "Nenhuma instância ainda", "No instances yet";
    EmptyText => "Crie sua primeira instância e conecte um número de WhatsApp em menos de um minuto.", "Create your first instance and connect a WhatsApp number in under a minute.";
    NothingFound => "Nenhuma instância encontrada com esses filtros.", "No instance matches these filters.";
    Previous => "Anterior", "Previous";
    Next => "Próxima", "Next";
    PageOf => "Página", "Page";
    ConnectTitle => "Conectar ao WhatsApp", "Connect to WhatsApp";
    ScanHelp => "No celular, abra o WhatsApp › Aparelhos conectados › Conectar um aparelho e aponte para o QR.", "On the phone, open WhatsApp › Linked devices › Link a device and point it at the QR.";
    CodeHelp => "No celular, abra o WhatsApp › Aparelhos conectados › Conectar com número de telefone e digite o código:", "On the phone, open WhatsApp › Linked devices › Link with phone number and type the code:";
    ExpiresIn => "Expira em", "Expires in";
    Expired => "O QR expirou.", "The QR code expired.";
    NewQr => "Gerar novo QR", "New QR code";
    UseCode => "Conectar com código", "Connect with a code";
    UseQr => "Conectar com QR", "Connect with a QR code";
    SimulateScan => "Simular leitura", "Simulate scan";
    ConnectedTitle => "Conectado!", "Connected!";
    ConnectedText => "O WhatsApp está conectado e pronto para uso.", "WhatsApp is connected and ready.";
    Provisioning => "Aguardando o provedor", "Waiting for the provider";
    HistoryTitle => "Histórico de status", "Status history";
    ProfileName => "Nome no WhatsApp", "WhatsApp name";
    Statistics => "Estatísticas", "Statistics";
    Settings => "Configurações", "Settings";
    AutoReconnect => "Reconectar automaticamente após quedas", "Reconnect automatically after drops";
    Save => "Salvar", "Save";
    BackToList => "Voltar para a lista", "Back to the list";
    ActionDone => "Feito.", "Done.";
    SecretKept => "•••••••• (em branco mantém o atual)", "•••••••• (blank keeps the saved one)";
    KindImage => "imagem", "image";
    KindVideo => "vídeo", "video";
    KindDocument => "documento", "document";
    KindAudio => "áudio", "audio";
    ErrorTitle => "Algo deu errado", "Something went wrong";
    PageNotFound => "Página não encontrada.", "Page not found.";
    NavTokens => "Tokens de API", "API tokens";
    NavAdmin => "Administração", "Administration";
    TokensIntro => "Tokens dão acesso à API em seu nome (Authorization: Bearer …). Guarde-os como senhas.", "Tokens give access to the API on your behalf (Authorization: Bearer …). Keep them like passwords.";
    TokenName => "Nome do token", "Token name";
    CreateToken => "Criar token", "Create token";
    TokenShownOnce => "Copie agora: este token não será mostrado de novo.", "Copy it now: this token will not be shown again.";
    Revoke => "Revogar", "Revoke";
    Revoked => "revogado", "revoked";
    ConfirmRevoke => "Revogar este token? Programas que o usam perderão o acesso.", "Revoke this token? Programs using it lose access.";
    Created => "Criado", "Created";
    LastUsed => "Último uso", "Last used";
    UsersTitle => "Usuários", "Users";
    RoleAdmin => "admin", "admin";
    RoleUser => "usuário", "user";
    Active => "ativo", "active";
    Disabled => "desativado", "disabled";
    Disable => "Desativar", "Disable";
    Enable => "Reativar", "Enable";
    SignupsOpen => "Novas contas podem se cadastrar", "New accounts may sign up";
    AdminsOnly => "Só administradores podem ver esta página.", "Only administrators can see this page.";
    MessageTextInvalid => "Escreva a mensagem (até 4096 caracteres).", "Write the message (up to 4096 characters).";
    MessageMediaInvalid => "A mídia precisa de um endereço http(s) que resolva, sem caracteres de controle, e um tipo: image, video, document ou audio (legenda até 1024 caracteres).", "Media needs an http(s) URL that resolves, with no control characters, and a kind: image, video, document or audio (caption up to 1024 characters).";
    MessageTextOrMedia => "Envie um texto ou uma mídia (um dos dois).", "Send a text or a media (one of them).";
    MediaUrlInternal => "O endereço da mídia aponta para uma rede interna e não é permitido.", "The media URL points to an internal network and is not allowed.";
    FileNameInvalid => "O nome do arquivo pode ter até 255 caracteres, sem caracteres de controle.", "The file name can have up to 255 characters, with no control characters.";
    IdempotencyKeyInvalid => "A chave de idempotência deve ter de 1 a 200 caracteres.", "The idempotency key must have 1 to 200 characters.";
    WaitInvalid => "A espera pela conexão vai de 0 a 86400 segundos.", "The wait for a connection is 0 to 86400 seconds.";
    NotConnected => "A instância não está conectada.", "The instance is not connected.";
    DelaysInvalid => "Os intervalos vão de 0 a 600000 ms, e o mínimo não pode passar do máximo.", "Delays go from 0 to 600000 ms, and the minimum cannot exceed the maximum.";
    ColumnUsage => "Enviadas / recebidas (30 dias)", "Sent / received (30 days)";
    MessagesTitle => "Mensagens", "Messages";
    SendTo => "Para (telefone)", "To (phone)";
    MessageText => "Mensagem", "Message";
    SendButton => "Enviar", "Send";
    MessageQueued => "Mensagem na fila de envio.", "Message queued.";
    NoMessages => "Nenhuma mensagem ainda.", "No messages yet.";
    StatSent => "Enviadas", "Sent";
    StatDelivered => "Entregues", "Delivered";
    StatRead => "Lidas", "Read";
    StatFailed => "Falharam", "Failed";
    StatReceived => "Recebidas", "Received";
    StatDisconnections => "Quedas", "Disconnections";
    StatUptime => "Tempo conectado", "Time connected";
    Last14Days => "Últimos 14 dias", "Last 14 days";
    WebhookSecretInvalid => "O segredo do webhook precisa de 16 a 200 caracteres.", "The webhook secret needs 16 to 200 characters.";
    WebhookUrlInvalid => "Informe um endereço http(s) válido que resolva.", "Give a valid http(s) URL that resolves.";
    WebhookEventUnknown => "Evento desconhecido. Use, por exemplo, instance.status, message.status ou message.received.", "Unknown event. Use, for example, instance.status, message.status or message.received.";
    CannotDisableYourself => "Você não pode desativar a sua própria conta.", "You cannot disable your own account.";
    BadDay => "Data inválida. Use AAAA-MM-DD.", "Invalid date. Use YYYY-MM-DD.";
    BadPeriod => "Período inválido: o início deve vir antes do fim, em até 10 anos.", "Invalid period: the start must come before the end, within 10 years.";
    Conflict => "Isso já existe.", "This already exists.";
    WebhookUrlInternal => "Esse endereço aponta para uma rede interna e não é permitido.", "This URL points to an internal network and is not allowed.";
    KeepIncomingText => "Guardar o texto das mensagens recebidas", "Keep the text of incoming messages";
    DelayMin => "Intervalo mínimo entre envios (ms)", "Shortest pause between sends (ms)";
    DelayMax => "Intervalo máximo entre envios (ms)", "Longest pause between sends (ms)";
    ForwardUrl => "Webhook de encaminhamento (sua URL)", "Forward webhook (your URL)";
    ForwardEvents => "Eventos (separados por vírgula; vazio = todos)", "Events (comma-separated; empty = all)";
    ForwardSecret => "Segredo da assinatura (16+ caracteres)", "Signing secret (16+ characters)";
    AlreadyConnected => "Esta instância já está conectada.", "This instance is already connected.";
    PhoneNeededForCode => "Para conectar com código, cadastre o telefone da instância.", "To connect with a code, set the instance's phone first.";
    ProviderUnavailable => "O provedor do WhatsApp está indisponível. Nada foi perdido; tente de novo em instantes.", "The WhatsApp provider is unavailable. Nothing was lost; try again shortly.";
    ProviderTimeout => "O provedor do WhatsApp não respondeu a tempo. Tente de novo em instantes.", "The WhatsApp provider did not answer in time. Try again shortly.";
    ProviderFailed => "O provedor do WhatsApp recusou ou não entendeu o pedido.", "The WhatsApp provider refused or did not understand the request.";
    DatabaseUnavailable => "Banco de dados indisponível. Tente novamente em instantes.", "Database unavailable. Try again shortly.";
    NavBackup => "Backup", "Backup";
    BackupIntro => "Um backup guarda, num só arquivo criptografado, suas instâncias com as sessões do WhatsApp, as configurações, o histórico e as estatísticas. Restaurado aqui ou em outro servidor, cada instância volta conectada, sem ler um QR de novo.", "A backup keeps, in one encrypted file, your instances with their WhatsApp sessions, settings, history and statistics. Restored here or on another server, each instance comes back connected, without scanning a QR again.";
    BackupTitle => "Fazer um backup", "Take a backup";
    BackupPassphrase => "Senha do backup (8+ caracteres)", "Backup passphrase (8+ characters)";
    BackupPassphraseAgain => "Repita a senha", "Passphrase again";
    BackupPassphraseHint => "Sem esta senha ninguém abre o arquivo, nem nós. Guarde-a num lugar seguro.", "Without this passphrase nobody opens the file, not even us. Keep it somewhere safe.";
    BackupWithMessages => "Incluir o registro de mensagens", "Include the message log";
    BackupAllAccounts => "Todas as contas do servidor (administrador)", "Every account on the server (administrator)";
    BackupStart => "Gerar backup", "Create backup";
    RestoreTitle => "Restaurar um backup", "Restore a backup";
    RestoreIntro => "O que já existe aqui é mantido; o que falta é acrescentado. Restaurar o mesmo arquivo duas vezes não muda nada. Tudo ou nada: se algo falhar, nada é gravado.", "What exists here is kept; what is missing is added. Restoring the same file twice changes nothing. All or nothing: if anything fails, nothing is written.";
    RestoreFile => "Arquivo de backup (.age)", "Backup file (.age)";
    RestoreDryRun => "Só simular: mostrar o que seria feito, sem gravar nada", "Dry run: show what would be done, writing nothing";
    RestoreAllAccounts => "Todas as contas do arquivo, criando as que faltam (administrador)", "Every account in the file, creating the missing ones (administrator)";
    RestoreStart => "Restaurar", "Restore";
    PassphraseMismatch => "As duas senhas não são iguais.", "The two passphrases differ.";
    BackupFileMissing => "Escolha o arquivo de backup.", "Choose the backup file.";
    BackupBusy => "Outro backup ou restauração está em andamento neste servidor. Tente de novo em instantes.", "Another backup or restore is running on this server. Try again shortly.";
    JobBackupRunning => "Gerando o backup…", "Creating the backup…";
    JobRestoreRunning => "Restaurando…", "Restoring…";
    JobBackupReady => "Backup pronto", "Backup ready";
    JobRestored => "Restauração concluída", "Restore finished";
    JobDryRun => "Simulação concluída: nada foi gravado", "Dry run finished: nothing was written";
    JobFailed => "Não deu certo: nada foi gravado", "It failed: nothing was written";
    JobGone => "Este backup expirou ou o servidor foi reiniciado. Faça outro.", "This backup expired or the server restarted. Take another one.";
    DownloadBackup => "Baixar o backup", "Download the backup";
    CountAccounts => "Contas", "Accounts";
    CountInstances => "Instâncias", "Instances";
    CountMessages => "Mensagens", "Messages";
    CountRecords => "Registros", "Records";
    ReportWhat => "O quê", "What";
    ReportCreated => "Criados", "Created";
    ReportKept => "Já existiam (mantidos)", "Already here (kept)";
    ReportSkipped => "Não restaurados", "Not restored";
    ReportTokens => "Tokens de API", "API tokens";
    ReportWebhooks => "Webhooks da conta", "Account webhooks";
    ReportHistory => "Histórico, versões e estatísticas", "History, versions and statistics";
    ReportRenamed => "Restauradas com outro nome (o nome já estava em uso):", "Restored under another name (the name was taken):";
    ReportConflicts => "Não restaurado:", "Not restored:";
    ReportMore => "Outros renomeados ou não restaurados, não listados:", "Other renames or skips, not listed:";
    BackupPassphraseShort => "A senha do backup precisa de pelo menos 8 caracteres.", "The backup passphrase needs at least 8 characters.";
    BackupDatabase => "O banco de dados recusou ou não respondeu; nada foi gravado.", "The database refused or did not answer; nothing was written.";
    ReportTakenOver => "Instâncias retomadas no provedor, sem novo QR:", "Instances taken over at the provider, with no new QR:";
    ReportNotYet => "Ainda não retomadas (o provedor não respondeu; o servidor tenta de novo sozinho):", "Not taken over yet (the provider did not answer; the server keeps trying):";
    ConflictAccountNotHere => "a conta não existe neste servidor", "the account is not on this server";
    ConflictOtherAccount => "a instância pertence a outra conta aqui", "the instance belongs to another account here";
    ConflictProviderTaken => "a instância do provedor já é gerenciada aqui", "its provider instance is already managed here";
    BackupNotABackup => "Este arquivo não é um backup do zapfleet.", "This file is not a zapfleet backup.";
    BackupNotPassphrase => "Este arquivo não foi criptografado com uma senha.", "This file is not encrypted with a passphrase.";
    BackupWrongPassphrase => "Senha errada para este backup (ou o início do arquivo está danificado).", "Wrong passphrase for this backup (or the start of the file is damaged).";
    BackupTooMuchWork => "Este arquivo pede um esforço de decifragem acima do permitido.", "This file asks for more decryption work than allowed.";
    BackupNewerFormat => "Este backup foi feito por uma versão mais nova do zapfleet. Atualize este servidor primeiro.", "This backup was made by a newer zapfleet. Upgrade this server first.";
    BackupTruncated => "O arquivo está incompleto (cortado no meio).", "The file is incomplete (cut short).";
    BackupDamaged => "O arquivo está danificado ou incompleto (um byte mudou, ou foi cortado).", "The file is damaged or incomplete (a byte changed, or it was cut short).";
    BackupInconsistent => "O backup tem registros incoerentes.", "The backup has inconsistent records.";
    BackupIo => "Não foi possível ler ou gravar o arquivo no servidor.", "The server could not read or write the file.";
    Internal => "Erro interno. Tente novamente; se persistir, fale com o administrador.", "Internal error. Try again; if it persists, contact the administrator.";
    BadAuditAction => "Ação desconhecida. Use, por exemplo, sign_in, instance_created ou token_revoked.", "Unknown action. Use, for example, sign_in, instance_created or token_revoked.";
    NavAudit => "Auditoria", "Audit log";
    AuditIntro => "Quem fez o quê, quando e de onde. Você vê as suas ações; o administrador vê as de todos.", "Who did what, when and from where. You see your own actions; the administrator sees everyone's.";
    AuditAllActions => "Todas as ações", "All actions";
    AuditFilter => "Filtrar", "Filter";
    AuditEmpty => "Nenhum registro ainda.", "Nothing recorded yet.";
    AuditWhen => "Quando", "When";
    AuditWho => "Quem", "Who";
    AuditAction => "Ação", "Action";
    AuditTarget => "Alvo", "Target";
    AuditFrom => "Origem", "From";
    AuditDetail => "Detalhes", "Details";
    AuditOlder => "Mais antigos", "Older";
    AuditNewest => "Mais recentes", "Newest";
    ActionSignIn => "Entrou", "Signed in";
    ActionSignInFailed => "Falha ao entrar", "Failed sign-in";
    ActionSignUp => "Criou a conta", "Signed up";
    ActionInstanceCreated => "Criou instância", "Created an instance";
    ActionInstanceConnected => "Conectou instância", "Connected an instance";
    ActionInstanceDisconnected => "Desconectou instância", "Disconnected an instance";
    ActionInstanceDeleted => "Excluiu instância", "Deleted an instance";
    ActionSettingsChanged => "Alterou configurações", "Changed settings";
    ActionTokenCreated => "Criou token de API", "Created an API token";
    ActionTokenRevoked => "Revogou token de API", "Revoked an API token";
    ActionUserDisabled => "Desativou usuário", "Disabled a user";
    ActionUserEnabled => "Reativou usuário", "Re-enabled a user";
    ActionBackup => "Fez backup", "Took a backup";
    ActionRestore => "Restaurou backup", "Restored a backup";

    // Search and listing.

    // Reliability: provider faults, storage, user deletion.

    // Screens: instance editing, messages, forward webhooks, bulk actions.
    SortLabel => "Ordenar por", "Sort by";
    SelectAllOnPage => "Selecionar todas desta página", "Select all on this page";
    SelectAllMatching => "Selecionar todas as encontradas", "Select all matching";
    SelectionHint => "Marque instâncias para agir sobre elas.", "Check instances to act on them.";
    ChartAsTable => "Ver os números por dia", "See the numbers per day";
    ColumnDay => "Dia", "Day";
    StaleForm => "Esta página ficou desatualizada (você entrou de novo em outra aba ou a sessão mudou). Recarregue a página e tente outra vez.", "This page is out of date (you signed in again in another tab, or the session changed). Reload the page and try again.";
    ReloadPage => "Recarregar a página", "Reload the page";
    MainNavigation => "Navegação principal", "Main navigation";
    SandboxNote => "Aviso do modo sandbox", "Sandbox mode notice";
    EditInstance => "Editar nome e telefone", "Edit name and phone";
    SaveChanges => "Salvar alterações", "Save changes";
    InstanceEdited => "Instância atualizada.", "Instance updated.";
    SettingsSaved => "Configurações salvas.", "Settings saved.";
    InstanceDisconnectedToast => "Instância desconectada.", "Instance disconnected.";
    InstanceDeletedToast => "Instância excluída.", "Instance deleted.";
    DelayMinSeconds => "Intervalo mínimo entre envios (segundos)", "Shortest pause between sends (seconds)";
    DelayMaxSeconds => "Intervalo máximo entre envios (segundos)", "Longest pause between sends (seconds)";
    DelaysInvalidSeconds => "Os intervalos vão de 0 a 600 segundos, e o mínimo não pode passar do máximo.", "Delays go from 0 to 600 seconds, and the minimum cannot exceed the maximum.";
    ForwardEventsChoose => "Eventos encaminhados (nenhum marcado = todos)", "Events forwarded (none checked = all)";
    EventInstanceStatus => "Status da conexão", "Connection status";
    EventInstanceUpdated => "Dados da instância (nome no WhatsApp)", "Instance details (WhatsApp name)";
    EventInstanceQrcode => "Novo QR code", "New QR code";
    EventInstancePaircode => "Novo código de pareamento", "New pairing code";
    EventMessageStatus => "Status das mensagens enviadas", "Status of sent messages";
    EventMessageReceipt => "Confirmações de entrega e leitura", "Delivery and read receipts";
    EventMessageReceived => "Mensagens recebidas", "Messages received";
    EventInstanceDeleted => "Instância excluída", "Instance deleted";

    // Account: password, sessions, time zone, formatting.
}

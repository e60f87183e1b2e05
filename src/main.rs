//! `kestrel`: the viewer's command line. See `kestrel --help`.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use kestrel::app::{self, LoginTarget, Session, SessionOptions};
use kestrel::cli::{Cli, Command, GovernorCommand, ViewArgs};
use kestrel::config::{
    ConfigDir, HardwareInfo, LoadOutcome, PerformanceProfile, PerformanceSettings, ProfileTable,
    UserSettings, detect_profile,
};
use kestrel::editor::{DEFAULT_LOGIN_URI, LoginForm, LoginScreen, WindowStart};
use kestrel::governor::{GovernorSpawn, Thresholds};
use kestrel::sim::SimConfig;
use kestrel_actors::circuit::{LoginParams, TlsTrust};
use kestrel_actors::plugin::{PluginSupervisor, PluginSupervisorConfig};
use kestrel_protocol::login::StartLocation;

// With `--features alloc-stats`: count heap allocations (per-frame figures).
kestrel::count_allocations!();

fn main() -> ExitCode {
    quiet_device_select();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return refuse_arguments(e),
    };
    // Quiet by default (warnings and errors), colour only on a terminal.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| cli.log_filter().into()),
        )
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kestrel: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Mesa's device-select Vulkan layer asks a Wayland compositor which GPU is
/// the default, and with no Wayland session it prints "XDG_RUNTIME_DIR is
/// invalid or not set" on every Vulkan instance — noise on runs that
/// succeed. wgpu chooses its adapter itself, so where there is no compositor
/// to ask, the layer is switched off (unless the user set it either way).
fn quiet_device_select() {
    if std::env::var_os("WAYLAND_DISPLAY").is_none()
        && std::env::var_os("NODEVICE_SELECT").is_none()
    {
        // SAFETY: the first thing `main` does, before any other thread exists.
        unsafe { std::env::set_var("NODEVICE_SELECT", "1") };
    }
}

/// A bad command line is one line on stderr, status 2; `--help` and
/// `--version` print as clap does.
fn refuse_arguments(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
        || e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    {
        e.exit();
    }
    let text = e.render().to_string();
    let line = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more"))
        .collect::<Vec<_>>()
        .join(" ");
    let line = line.strip_prefix("error: ").unwrap_or(&line);
    eprintln!("kestrel: {line} (see --help)");
    ExitCode::from(2)
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        Some(Command::Sim(config)) => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(kestrel::sim::run(config))?;
            return Ok(());
        }
        Some(Command::Governor(GovernorCommand::Replay(replay))) => {
            kestrel::governor::run_replay(&replay, &mut std::io::stdout().lock())?;
            return Ok(());
        }
        None => {}
    }
    let args = cli.view;
    // Plugins run on the PluginSupervisor's own threads for the whole run.
    let plugins = PluginSupervisor::start(PluginSupervisorConfig::default())?;
    for spec in &args.plugins {
        plugins
            .load_str(spec)
            .map_err(|e| format!("--plugin {spec}: {e}"))?;
    }
    let dir = ConfigDir::platform();
    let (settings, mut session_options) = load_settings(&args, &dir);
    session_options.plugins = Some(plugins.control());
    session_options.tls =
        TlsTrust::from_pem_files(&args.ca_certs).map_err(|e| format!("--ca-cert {e}"))?;
    let target = login_target(&args);
    if args.headless {
        // A headless run holds its profile: its figures are measurements.
        session_options.governor.enabled = false;
        if args.record_trace.is_some() && args.frames.is_none() && args.screenshot.is_none() {
            return Err(
                "--record-trace records rendered frames: add --frames N to a --headless run".into(),
            );
        }
        let mut json =
            match args.frames {
                None if args.screenshot.is_none() => serde_json::to_value(
                    app::run_headless_circuit(target, args.seconds, session_options)?,
                )?,
                frames => serde_json::to_value(app::run_headless_render(
                    target,
                    settings,
                    &app::HeadlessRenderOptions {
                        wait_seconds: args.seconds,
                        frames: frames.unwrap_or(1).max(1),
                        size: (args.width, args.height),
                        screenshot: args.screenshot.clone(),
                        editor: args.editor,
                        record_trace: args.record_trace.clone(),
                    },
                    session_options,
                )?)?,
            };
        if let Some(obj) = json.as_object_mut() {
            obj.insert(
                "plugins".into(),
                serde_json::to_value(plugins.snapshot().status_list())?,
            );
        }
        plugins.shutdown();
        println!("{json}");
        return Ok(());
    }
    let start = if args.login_screen {
        WindowStart::LoginScreen(login_screen(&args, target).with_session_options(session_options))
    } else {
        let session = Session::start_with(target, session_options)?;
        session.connect(std::time::Duration::from_secs(60))?;
        WindowStart::Connected(session)
    };
    let options = app::WindowedOptions {
        width: args.width,
        height: args.height,
        editor_open: args.editor,
        config_dir: Some(dir),
        record_trace: args.record_trace.clone(),
        exit_after_frames: args.frames.map(u64::from),
        plugins: Some(plugins.control()),
    };
    app::run_windowed(start, &settings, options)?;
    Ok(())
}

/// The login screen, prefilled from the arguments; its "Use the embedded
/// region" button starts the region the arguments describe.
fn login_screen(args: &ViewArgs, target: LoginTarget) -> LoginScreen {
    let embedded = match target {
        LoginTarget::Embedded(config) => config,
        LoginTarget::Grid(_) => SimConfig {
            object_count: args.embedded.objects,
            impairment: args.embedded.impairment.clone(),
            tls: args.embedded.tls,
            ..SimConfig::default()
        },
    };
    let form = LoginForm {
        login_uri: args
            .login_uri
            .clone()
            .unwrap_or_else(|| DEFAULT_LOGIN_URI.to_owned()),
        first: args.first.clone().unwrap_or_default(),
        last: args.last.clone().unwrap_or_default(),
        // Without --login-uri, --password is the embedded region's.
        password: match &args.login_uri {
            Some(_) => args.password.clone().unwrap_or_default(),
            None => String::new(),
        },
    };
    LoginScreen::new(form, embedded)
}

/// The login the arguments ask for: a grid, or the embedded region.
fn login_target(args: &ViewArgs) -> LoginTarget {
    match (&args.login_uri, &args.first, &args.last, &args.password) {
        (Some(uri), Some(first), Some(last), Some(password)) => LoginTarget::Grid(LoginParams {
            login_uri: uri.clone(),
            first: first.clone(),
            last: last.clone(),
            password: password.clone(),
            start: StartLocation::Last,
        }),
        _ => {
            let mut config = SimConfig {
                object_count: args.embedded.objects,
                impairment: args.embedded.impairment.clone(),
                tls: args.embedded.tls,
                ..SimConfig::default()
            };
            if let Some(p) = &args.password {
                config.password = p.clone();
            }
            LoginTarget::Embedded(config)
        }
    }
}

/// The performance settings in force: the user's saved choice (picked by
/// hardware detection on first launch), overridden by `--profile`; and the
/// session options that start the governor there with the user's thresholds.
fn load_settings(args: &ViewArgs, dir: &ConfigDir) -> (PerformanceSettings, SessionOptions) {
    let table = ProfileTable::built_in();
    let mut user = match UserSettings::load(dir) {
        LoadOutcome::Loaded(s) => s,
        LoadOutcome::FirstLaunch => {
            let (profile, adapter) = match HardwareInfo::detect() {
                Some(hw) => (detect_profile(&hw), hw.adapter_name),
                None => (PerformanceProfile::Low, "no adapter".to_string()),
            };
            tracing::info!(%profile, %adapter, "first launch: picked a performance profile");
            let s = UserSettings::with_profile(profile);
            if let Err(e) = s.save(dir) {
                tracing::warn!("could not save settings: {e}");
            }
            s
        }
        LoadOutcome::Refused(e) => {
            eprintln!("kestrel: {e}; starting on the Balanced defaults");
            UserSettings::with_profile(PerformanceProfile::Balanced)
        }
    };
    if let Some(p) = args.profile {
        user.profile = p;
        if let Err(e) = user.save(dir) {
            tracing::warn!("could not save settings: {e}");
        }
    }
    let settings = user.active(&table);
    tracing::info!(profile = %user.profile, draw_distance_m = settings.draw_distance_m, "performance settings");
    let thresholds = Thresholds::load_user(dir).unwrap_or_else(|e| {
        eprintln!("kestrel: {e}; the governor runs on the shipped thresholds");
        Thresholds::built_in()
    });
    let governor = GovernorSpawn::from_user(&user, thresholds, Some(dir.clone()));
    (
        settings,
        SessionOptions {
            governor,
            plugins: None,
            tls: TlsTrust::default(),
            assets: kestrel::assets::AssetSettings {
                disk_cache: Some(ConfigDir::cache_dir().join("textures")),
                ..Default::default()
            },
        },
    )
}

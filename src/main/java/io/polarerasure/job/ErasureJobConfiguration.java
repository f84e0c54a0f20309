package io.polarerasure.job;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import io.polarerasure.input.RequestFile;
import io.polarerasure.input.RequestOptions;
import io.polarerasure.input.RequestRow;
import io.polarerasure.input.RetryOrigin;
import io.polarerasure.report.AuditLine;
import io.polarerasure.report.ReportCounts;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.listener.StepListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ItemStreamReader;
import org.springframework.batch.infrastructure.item.ItemStreamWriter;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.transaction.PlatformTransactionManager;

/** The erasure job: one chunk step reading request rows, erasing them concurrently, appending the report. */
@Configuration(proxyBeanMethods = false)
public class ErasureJobConfiguration {

    /** Restart data is keyed by these names: never rename them. */
    public static final String JOB_NAME = "polarErasure";
    static final String STEP_NAME = "erase";

    /** Job parameter names. The input's SHA-256, the API base URL and the rerun number identify a run. */
    public static final String INPUT_SHA256 = "input.sha256";
    public static final String API_URL = "api.url";
    /** 0 for a file's first run, 1, 2, ... for each {@code run --rerun} of the same content and destination. */
    public static final String RERUN = "rerun";
    public static final String INPUT_FILE = "input.file";
    public static final String REPORT_FILE = "report.file";
    public static final String ID_COLUMN = "id.column";
    /** {@code --no-header}, {@code --sheet}, {@code --id-pattern} as given at the first start. */
    public static final String INPUT_READING = "input.reading";
    /** The same options one by one, so that {@code abandon} reads the file exactly as its run did. */
    public static final String INPUT_HEADER = "input.header";
    public static final String INPUT_SHEET = "input.sheet";
    public static final String INPUT_ID_PATTERN = "input.id.pattern";
    /** Non-identifying facts of each execution, kept for status and the run summary. */
    public static final String INPUT_ROWS = "input.rows";
    /** Records of only empty fields, skipped like blank lines (not rows, so not in the report). */
    public static final String INPUT_SKIPPED = "input.skipped";
    public static final String RATE_LIMIT = "rate.limit";
    /** Job execution context: which environment answered its calls, by Polar's X-Polar-Sandbox header. */
    public static final String ANSWERED_BY = "polar.answered.by";

    // Not step-scoped: it needs nothing of the step's parameters (a context runs one job execution, whose run it is
    // given), and the scope's proxy looked the bean up again for every row read. Restart is unchanged: the step
    // opens it with its ExecutionContext, and close() resets its count.
    @Bean
    ItemStreamReader<RequestRow> requestReader(ErasureRun run) {
        // The snapshot, never the input's path: the bytes hashed at the start, whatever happened to the file since.
        // Read the way the scan read it (ID column, header, sheet, ID pattern).
        return new RequestReader(run.snapshot(), run.scan().options(), run.scan().rows());
    }

    // Step-scoped for the job parameter; typed by interface: the scope's proxy cannot subclass final classes.
    @Bean
    @StepScope
    ItemStreamWriter<AuditLine> reportWriter(@Value("#{jobParameters['" + REPORT_FILE + "']}") String reportFile,
                                             ErasureRun run) {
        return new ReportWriter(Path.of(reportFile), reportColumns(run.snapshot(), run.scan().options()),
                run.chunkSize());
    }

    /** The columns a report has after its seven: a retry file's origin columns, else none. */
    static List<String> reportColumns(Path input, RequestOptions options) {
        try (RequestFile.Rows rows = RequestFile.open(input, options).rows()) {
            return rows.retryFile() ? RetryOrigin.REPORT_COLUMNS : List.of();
        }
    }

    /**
     * The journal lives where a resuming process reads it: in PostgreSQL, which any host can reach; in a file of
     * the state folder for the embedded H2, which only this machine can open anyway (and a file write is cheaper).
     */
    @Bean
    RunJournal outcomeJournal(ErasureRun run, DataSource dataSource) {
        return journalFor(dataSource, run.stateDir(), run.runKey());
    }

    /** The journal of a run ({@link RunIdentity#key()}): in PostgreSQL, else a file of the state folder. */
    static RunJournal journalFor(DataSource dataSource, Path stateDir, String runKey) {
        if ("postgresql".equals(platform(dataSource))) {
            return new DatabaseJournal(dataSource, runKey);
        }
        return new OutcomeJournal(OutcomeJournal.fileFor(stateDir, runKey), OutcomeJournal.currentBootId());
    }

    /** The repository to read a run's journal from ({@link InterruptedChunk#read}): it with PostgreSQL, else null. */
    static DataSource journalRepository(DataSource dataSource) {
        return "postgresql".equals(platform(dataSource)) ? dataSource : null;
    }

    @Bean
    ErasureProcessor erasureProcessor(ErasureRun run, RunJournal journal, RunLease runLease,
                                      JobRepository jobRepository, DataSource dataSource, Progress progress) {
        return new ErasureProcessor(run.idColumn(), run.scan().duplicates(), journal, runLease, run.eraser(),
                run.clock(), run.chunkSize(), jobRepository, repositoryToDisk(dataSource), new Ledger(dataSource),
                progress);
    }

    private static String platform(DataSource dataSource) {
        return new JdbcTemplate(dataSource).execute((ConnectionCallback<String>) connection ->
                RepositorySchema.platform(connection.getMetaData()));
    }

    /**
     * Forces the embedded H2's commits to disk: it hands each commit to the operating system but does not
     * sync it, and a checkpoint lost with the machine would take chunks back whose journal was already
     * emptied; then names the version now on disk in the file's {@link RepositoryWitness}. PostgreSQL's commits are
     * on disk when they return.
     */
    static Runnable repositoryToDisk(DataSource dataSource) {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        return "h2".equals(platform(dataSource)) ? () -> jdbc.execute((ConnectionCallback<Void>) connection -> {
            RepositoryWitness.sync(connection);
            return null;
        }) : () -> { };
    }

    @Bean
    ThreadPoolTaskExecutor erasureWorkers(ErasureRun run) {
        ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
        executor.setCorePoolSize(run.concurrency());
        executor.setMaxPoolSize(run.concurrency());
        executor.setThreadNamePrefix("erasure-");
        // Requests already sent must get their answers journaled before the JVM goes.
        executor.setWaitForTasksToCompleteOnShutdown(true);
        executor.setAwaitTerminationSeconds(120);
        return executor;
    }

    /** The step runs on one thread; the chunk's rows are decided on the workers ({@link ChunkWorkers}). */
    @Bean
    Step eraseStep(JobRepository jobRepository, PlatformTransactionManager transactionManager, ErasureRun run,
                   ItemStreamReader<RequestRow> requestReader, ErasureProcessor erasureProcessor,
                   ItemStreamWriter<AuditLine> reportWriter,
                   ThreadPoolTaskExecutor erasureWorkers, StopSignal stopSignal, Progress progress) {
        ChunkWorkers rows = new ChunkWorkers(requestReader, erasureProcessor, erasureWorkers, progress::answered);
        return new StepBuilder(STEP_NAME, jobRepository)
                .<RequestRow, AuditLine>chunk(run.chunkSize())
                .transactionManager(transactionManager)
                .reader(rows)
                .processor(rows)
                .writer(reportWriter)
                // Registered once each, for every listener interface they have (Spring Batch looks at all of them).
                .listener((StepListener) erasureProcessor)
                .listener(stopSignal)
                .listener((StepListener) progress)
                .build();
    }

    @Bean
    Job erasureJob(JobRepository jobRepository, Step eraseStep, RunJournal journal, ErasureRun run,
                   ErasureProcessor erasureProcessor) {
        return new JobBuilder(JOB_NAME, jobRepository)
                .start(eraseStep)
                .listener(new JobExecutionListener() {
                    @Override
                    public void beforeJob(JobExecution execution) {
                        erasureProcessor.fileEarlierPages();
                    }

                    @Override
                    public void afterJob(JobExecution execution) {
                        // Which environment answered, for the summary also of a later invocation (a resume).
                        run.eraser().answeredBy().ifPresent(answered ->
                                execution.getExecutionContext().putString(ANSWERED_BY, answered));
                        if (execution.getStatus() == BatchStatus.COMPLETED) {
                            completedCounts(execution).ifPresent(counts ->
                                    RunHistory.recordCompletedCounts(execution, counts));
                        }
                        jobRepository.updateExecutionContext(execution);
                        if (execution.getStatus() == BatchStatus.COMPLETED) {
                            journal.delete();
                            InputSnapshot.delete(run.snapshot());
                        }
                    }
                })
                .build();
    }

    /** The completed report's counts; empty (the exit code then comes from the report) if it cannot be read. */
    private static Optional<ReportCounts> completedCounts(JobExecution execution) {
        try {
            return Optional.of(ReportCounts.read(Path.of(execution.getJobParameters().getString(REPORT_FILE))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** How a run reads its file, from its job parameters: the options of its first start. */
    public static RequestOptions requestOptions(JobParameters parameters) {
        String pattern = parameters.getString(INPUT_ID_PATTERN);
        return new RequestOptions(parameters.getString(ID_COLUMN), !"false".equals(parameters.getString(INPUT_HEADER)),
                parameters.getString(INPUT_SHEET), pattern == null ? null : Pattern.compile(pattern));
    }
}

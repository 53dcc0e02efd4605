-- News posts, static pages with attachments, and the showcase of reuse.

CREATE TABLE news (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    title_en TEXT,
    body TEXT NOT NULL,
    body_en TEXT,
    image_key TEXT,
    image_type TEXT,
    -- JSON array of dataset ids the post links to.
    datasets TEXT NOT NULL,
    published BOOLEAN NOT NULL,
    publish_date BIGINT NOT NULL,
    author TEXT,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    CONSTRAINT news_name_key UNIQUE (name)
);
CREATE INDEX news_published ON news (published, publish_date);

CREATE TABLE pages (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    title_en TEXT,
    body TEXT NOT NULL,
    body_en TEXT,
    -- header, footer or none
    menu TEXT NOT NULL,
    position BIGINT NOT NULL,
    published BOOLEAN NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    CONSTRAINT pages_name_key UNIQUE (name)
);

CREATE TABLE page_attachments (
    id TEXT PRIMARY KEY NOT NULL,
    page_id TEXT NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    size BIGINT NOT NULL,
    media_type TEXT,
    created BIGINT NOT NULL
);
CREATE INDEX page_attachments_page ON page_attachments (page_id, created);

CREATE TABLE showcase (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    url TEXT NOT NULL,
    image_key TEXT,
    image_type TEXT,
    author_name TEXT NOT NULL,
    author_email TEXT NOT NULL,
    moderation TEXT NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    CONSTRAINT showcase_name_key UNIQUE (name)
);
CREATE INDEX showcase_moderation ON showcase (moderation, created);

CREATE TABLE showcase_datasets (
    showcase_id TEXT NOT NULL REFERENCES showcase(id) ON DELETE CASCADE,
    dataset_id TEXT NOT NULL,
    PRIMARY KEY (showcase_id, dataset_id)
);
CREATE INDEX showcase_datasets_dataset ON showcase_datasets (dataset_id);

-- Surveys: questions as JSON; one response per respondent key (a hashed
-- browser cookie or account), answers as JSON.
CREATE TABLE surveys (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    questions TEXT NOT NULL,
    opens BIGINT,
    closes BIGINT,
    public_results BOOLEAN NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    CONSTRAINT surveys_name_key UNIQUE (name)
);

CREATE TABLE survey_responses (
    id TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    respondent TEXT NOT NULL,
    answers TEXT NOT NULL,
    created BIGINT NOT NULL,
    CONSTRAINT survey_responses_once UNIQUE (survey_id, respondent)
);
